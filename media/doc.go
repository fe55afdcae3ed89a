// Package media stores uploaded files and serves them and their image
// variants. Nothing here trusts the client: the type comes from the bytes,
// names are display metadata only, images are bounded before they are
// decoded and stripped of EXIF, GPS, XMP and IPTC before they are stored.
//
// Files live behind Store: a folder confined with os.Root, or an
// S3-compatible bucket. Rows live in the media table; which entries use an
// item is written by the content package (media_refs).
package media
