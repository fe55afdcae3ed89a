// Package demo seeds a fresh CMS with something to look at: an editor and a
// reviewer, a category, and an article that went through the real workflow
// (written, submitted, approved, published), plus a delivery token. It
// imports accounts, content and models.
package demo
