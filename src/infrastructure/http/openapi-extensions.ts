/** Marks an operation whose every response carries Cache-Control: no-store (the token endpoint). */
export const NO_STORE_EXTENSION = 'x-no-store';
