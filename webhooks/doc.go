// Package webhooks delivers events to URLs that admins configure. Those
// URLs are chosen by people, so every outbound call goes through a client
// that cannot be pointed at the CMS's own network (safehttp.go).
package webhooks
