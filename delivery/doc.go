// Package delivery is the read side of the CMS: what sites get from the
// delivery API. It reads the published snapshots (or, for previews, the
// working copies) with allowlisted filters and sorts, embeds relations and
// media, authorizes each reader (anonymous, API token, preview link or
// signed-in user) through the policy, and keeps finished answers in a
// cache that each change empties only where it shows.
package delivery
