import type { ExecutionContext } from '@nestjs/common';

/** The caller of a refused request, when its token was valid (403). */
export interface DeniedCaller {
  id: string;
  kind: 'user' | 'client';
  agencyId: string;
}

/**
 * Records requests refused before any handler ran (401 and 403 from the access guard).
 * Declared here and implemented by the audit module, so the guard can report a denial
 * without the identity module depending on the audit module.
 */
export abstract class DeniedRequests {
  /** Resolves once the entry is stored: the refusal is sent only after it is on record. */
  abstract record(context: ExecutionContext, caller: DeniedCaller | undefined): Promise<void>;
}
