/** The data set sizes of the benchmark. Counts of everything else follow from these. */
export interface ScaleConfig {
  participants: number;
  /** Attendance rows in total (sessions of every milestone). */
  attendance: number;
  coordinatorAgencies: number;
  lawEnforcementAgencies: number;
  courts: number;
  serviceProviders: number;
  ngos: number;
  /**
   * Enrollments awaiting the court, at least: the completion scenario consumes one per
   * request (10% of enrollments otherwise).
   */
  minPendingReview: number;
}

export const SCALES = {
  small: {
    participants: 1_000,
    attendance: 50_000,
    coordinatorAgencies: 3,
    lawEnforcementAgencies: 5,
    courts: 2,
    serviceProviders: 10,
    ngos: 3,
    minPendingReview: 400,
  },
  medium: {
    participants: 20_000,
    attendance: 1_000_000,
    coordinatorAgencies: 4,
    lawEnforcementAgencies: 10,
    courts: 3,
    serviceProviders: 20,
    ngos: 5,
    minPendingReview: 2_000,
  },
  large: {
    participants: 100_000,
    attendance: 5_000_000,
    coordinatorAgencies: 6,
    lawEnforcementAgencies: 15,
    courts: 4,
    serviceProviders: 30,
    ngos: 8,
    minPendingReview: 10_000,
  },
} as const satisfies Record<string, ScaleConfig>;

export type Scale = keyof typeof SCALES;

export function isScale(value: string | undefined): value is Scale {
  return value !== undefined && Object.prototype.hasOwnProperty.call(SCALES, value);
}

/**
 * Bump when the generator writes different rows: the runner re-seeds a database whose marker
 * names another version.
 */
export const GENERATOR_VERSION = 6;

/** Fixed, so that two seedings of a scale hold the same rows. */
export const SEED = 20_240_601;

/** Every seeded user signs in with this password (hashed once with the app's argon2 settings). */
export const BENCH_PASSWORD = 'bench-password-not-secret-1';

/** Machine clients' secrets follow from their client ids, so the runner can sign any of them in. */
export const clientSecretFor = (clientId: string): string => `fss_bench_${clientId}`;

/** The table that tells the runner which scale a database holds. */
export const MARKER_TABLE = 'bench_seed_marker';
