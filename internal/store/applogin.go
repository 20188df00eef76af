package store

import (
	"context"
	"time"
)

// States of a QR login challenge. A challenge starts pending; the phone
// approves or refuses it; the browser that showed it collects an approval
// exactly once. Nothing leaves refused or collected.
const (
	QRPending   = "pending"
	QRApproved  = "approved"
	QRRefused   = "refused"
	QRCollected = "collected"
)

// QRChallenge is one app login by QR code (see package idp/qrlogin): the
// changing code a browser shows and the phone that confirms it.
type QRChallenge struct {
	ID string // public: it is in every QR
	// Secret keys the MAC of the QR payloads, sealed by the IdP before it
	// gets here: a copy of the table alone does not let anyone draw codes.
	Secret []byte
	// SessionHash is the hex SHA-256 of the token the browser that showed
	// the code holds; only that browser collects the login.
	SessionHash string
	ClientName  string // the office's name the phone shows
	CreatedAt   time.Time
	ExpiresAt   time.Time
	State       string // QR*
	// Ceremony is the WebAuthn assertion ceremony (go-webauthn's session
	// data, JSON) begun by the latest scan; nil before the first one and
	// after a decision. A confirmation must answer this very ceremony.
	Ceremony  []byte
	Scans     int
	PersonID  string // set on approval
	DeviceID  string // set on approval
	DecidedAt time.Time
}

// PasskeyCeremony is a passkey registration begun by a logged-in person
// and not finished yet: go-webauthn's session data, kept until the phone
// answers, then deleted in the transaction that stores the device.
type PasskeyCeremony struct {
	ID        string // random
	PersonID  string
	Session   []byte // JSON
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AppLoginTx holds the app login's operations. Every Tx has them.
//
// Errors, times, byte slices and Update methods follow AccountTx: IDs are
// unique keys whose Create gives ErrConflict; fn is given the row locked,
// and no Update can change the key or CreatedAt.
type AppLoginTx interface {
	CreateQRChallenge(ctx context.Context, c QRChallenge) error
	GetQRChallenge(ctx context.Context, id string) (QRChallenge, error)
	UpdateQRChallenge(ctx context.Context, id string, fn func(*QRChallenge) error) (QRChallenge, error)

	CreatePasskeyCeremony(ctx context.Context, c PasskeyCeremony) error
	GetPasskeyCeremony(ctx context.Context, id string) (PasskeyCeremony, error)
	// DeletePasskeyCeremony removes a ceremony and reports whether it was
	// there: of two finishes of the same ceremony, only one sees true.
	DeletePasskeyCeremony(ctx context.Context, id string) (bool, error)

	// DeleteExpiredAppLogins removes QR challenges and passkey ceremonies
	// that expired before t, and returns how many.
	DeleteExpiredAppLogins(ctx context.Context, t time.Time) (int, error)
}
