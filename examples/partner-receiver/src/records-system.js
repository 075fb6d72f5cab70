/**
 * The agency's own records management system (RMS): the part you replace.
 *
 * `sealLocalCopy` must seal (not delete) the agency's copy of the arrest record named by
 * `arrestRecordId`, everywhere the agency copied it, and answer the agency's own reference for
 * that sealing (an order or ticket number). It must be idempotent: the same notice can come
 * again, by webhook and by the feed, and after a restart.
 *
 * The First Step event names the arrest by its First Step id only (never a booking number,
 * name or charge). Your RMS therefore needs the link between that id and its own record,
 * kept from when the arrest was registered in First Step by the coordinator (see this
 * example's README, "Finding your copy").
 *
 * Here: nothing is sealed, and the reference is derived from the notice id, so that a retry
 * sends the same acknowledgement body under the same Idempotency-Key.
 */
/**
 * @param {{ arrestRecordId: string, sealingNoticeId: string }} notice
 * @returns {Promise<{ reference: string }>}
 */
export function sealLocalCopy({ arrestRecordId, sealingNoticeId }) {
  void arrestRecordId; // your RMS finds its copy by this id, then seals it
  return Promise.resolve({
    reference: `EXAMPLE-RMS-SEAL-${sealingNoticeId.slice(0, 8).toUpperCase()}`,
  });
}
