package models

// Locale is one language content is written in: a BCP 47 code, and the
// locale the delivery API falls back to when an entry has no published
// translation in this one. Exactly one is the default: entries created
// without a locale are in it, and every fallback chain ends there.
type Locale struct {
	Code      string  `gorm:"primaryKey"`
	Fallback  *string // nil: none
	Position  int     `gorm:"not null"` // the admin's order
	IsDefault bool    `gorm:"not null"`
}

// ObjLocales is the locale settings, in the policy.
const ObjLocales = "locales"
