package models

import (
	"errors"
	"fmt"
)

// Code is one of the error codes of the HTTP contract. Services return
// *Error values carrying a Code; the server maps each Code to its status in
// one place.
type Code string

const (
	CodeBadRequest        Code = "bad_request"
	CodeUnauthorized      Code = "unauthorized"
	CodeForbidden         Code = "forbidden"
	CodeNotFound          Code = "not_found"
	CodeVersionConflict   Code = "version_conflict"
	CodeInvalidTransition Code = "invalid_transition"
	CodeConflict          Code = "conflict"
	CodePayloadTooLarge   Code = "payload_too_large"
	CodeUnsupportedMedia  Code = "unsupported_media_type"
	CodeValidationFailed  Code = "validation_failed"
	CodeRateLimited       Code = "rate_limited"
	CodeInternal          Code = "internal"
)

// Error is a failure a client may see. Message is safe to show to anyone;
// Fields (only for CodeValidationFailed) names the offending input fields.
// RetryAfter, when set, becomes the Retry-After header of a rate_limited
// answer. Status, when set, overrides the code's usual HTTP status (405 and
// 503 have no code of their own in the contract).
type Error struct {
	Code       Code
	Message    string
	Fields     map[string]string
	RetryAfter int // seconds
	Status     int
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports input that parsed but broke the rules, one message per field.
func Invalid(fields map[string]string) *Error {
	return &Error{Code: CodeValidationFailed, Message: "the request has invalid fields", Fields: fields}
}

// ErrorCode returns the Code of err: "" for nil, CodeInternal for anything
// that is not an *Error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Common errors, shared so that callers and tests compare codes, not strings.
var (
	ErrUnauthorized = &Error{Code: CodeUnauthorized, Message: "authentication required"}
	ErrForbidden    = &Error{Code: CodeForbidden, Message: "you are not allowed to do this"}
)
