package accounts

import (
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	jwtIssuer   = "cms"
	jwtAudience = "cms-management"
)

// accessClaims are the claims of an access token. sid names the session, so
// revoking the session (sign-out, disabling, a password change, a reused
// refresh token) ends the access token at once too.
type accessClaims struct {
	jwt.RegisteredClaims
	SID string `json:"sid"`
}

// signer issues and verifies access tokens with HMAC-SHA256, and nothing else:
// the algorithm is pinned, and exp, iat, iss and aud are required.
type signer struct {
	secret []byte
	ttl    time.Duration
	parser *jwt.Parser
}

func newSigner(secret []byte, ttl time.Duration) *signer {
	return &signer{
		secret: secret,
		ttl:    ttl,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer(jwtIssuer),
			jwt.WithAudience(jwtAudience),
			jwt.WithLeeway(30*time.Second),
		),
	}
}

func (s *signer) issue(userID, sessionID string, now time.Time) (string, error) {
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtIssuer,
			Audience:  jwt.ClaimStrings{jwtAudience},
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
		},
		SID: sessionID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

var errBadToken = errors.New("invalid access token")

// verify checks the signature and the claims and returns the user and session ids.
func (s *signer) verify(token string) (userID, sessionID string, err error) {
	var c accessClaims
	_, err = s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil || c.IssuedAt == nil || c.Subject == "" || c.SID == "" {
		return "", "", errBadToken
	}
	return c.Subject, c.SID, nil
}

// Entry preview tokens let a site show one entry's working copy before it
// is published, for a short while, to whoever holds the link. They are
// JWTs of their own audience (never accepted as access tokens, nor the
// other way round), prefixed so the delivery API can tell them apart.
const (
	previewAudience = "cms-entry-preview"
	PreviewPrefix   = "cmsp_"
	PreviewTTL      = time.Hour
)

func (s *signer) issuePreview(entryID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(PreviewTTL)
	c := jwt.RegisteredClaims{Issuer: jwtIssuer, Audience: jwt.ClaimStrings{previewAudience}, Subject: entryID,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	return PreviewPrefix + tok, exp, err
}

func (s *signer) verifyPreview(token string) (string, error) {
	raw, ok := strings.CutPrefix(token, PreviewPrefix)
	if !ok {
		return "", errBadToken
	}
	var c jwt.RegisteredClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithIssuer(jwtIssuer), jwt.WithAudience(previewAudience), jwt.WithLeeway(30*time.Second))
	if _, err := parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.secret, nil }); err != nil || c.Subject == "" {
		return "", errBadToken
	}
	return c.Subject, nil
}
