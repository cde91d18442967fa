/**
 * Site labels: what the model is doing at a scheduling point, for traces and checker
 * reports. Code that acts for a named owner (a caller's task body, a notifier) gives an
 * {@link OwnedSite}: the owner stays data, so a display that already shows the task (the
 * race step chart's column) can drop it without reading the text back. The printed form,
 * "owner: what", is the site's identity for locks, lock_stat and the checkers.
 */

/** A site some named model code owns, e.g. `{ owner: "kvm", what: "kvm_tdp_mmu_map installs the spte" }`. */
export interface OwnedSite {
  readonly owner: string;
  readonly what: string;
}

/** A site as model code gives it: plain text, or owned. */
export type Site = string | OwnedSite;

/** An owned site: `what` done by `owner` (a task's, caller's or notifier's name). */
export function ownedSite(owner: string, what: string): OwnedSite {
  return { owner, what };
}

/** A site's printed form: an owned site is "owner: what". */
export function siteText(site: Site): string {
  return typeof site === "string" ? site : `${site.owner}: ${site.what}`;
}
