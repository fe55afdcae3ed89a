// Package webhooks delivers events to URLs that admins configure. Those
// URLs are chosen by people, so every outbound call goes through a client
// that cannot be pointed at the CMS's own network (safehttp.go).
//
// Subscriptions live in service.go (admin only, through models.Authorize);
// deliver.go's River worker POSTs each event, signed, and logs every
// attempt. Dependency rule: webhooks imports models and internal/outbox,
// never content, server or another service (imports_test.go).
package webhooks
