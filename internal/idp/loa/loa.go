// Package loa computes levels of assurance: how sure llavero is of who
// signed in, in eIDAS terms (low, substantial, high), from how the person
// registered and how they logged in. Relying parties receive the level as
// `acr` and the methods as `amr`; a login that falls short of what a
// procedure needs is refused with the concrete ways up that WaysUp lists.
//
// The rules are DOMAIN.md's:
//   - low: PIN or password with a basic registration;
//   - substantial: PIN, password plus one-time code, or the app, with an
//     advanced registration; a certificate held in software;
//   - high: a certificate on a hardware token (the deployment's policy
//     says which tokens count).
package loa

import "github.com/llavero/llavero/internal/i18n"

// The levels, weakest first.
const (
	Low         = "low"
	Substantial = "substantial"
	High        = "high"
)

// URIPrefix is the eIDAS namespace of the acr values relying parties see.
const URIPrefix = "http://eidas.europa.eu/LoA/"

// URI returns the eIDAS acr URI of a level.
func URI(level string) string { return URIPrefix + level }

// FromURI reads an acr value, accepting both the eIDAS URI and the bare
// level name (some clients send "substantial").
func FromURI(s string) (string, bool) {
	if len(s) > len(URIPrefix) && s[:len(URIPrefix)] == URIPrefix {
		s = s[len(URIPrefix):]
	}
	if Rank(s) == 0 {
		return "", false
	}
	return s, true
}

// Rank orders levels: 0 for an unknown one, then low < substantial < high.
func Rank(level string) int {
	switch level {
	case Low:
		return 1
	case Substantial:
		return 2
	case High:
		return 3
	}
	return 0
}

// Meets reports whether a reached level satisfies a required one. An empty
// requirement is satisfied by any login.
func Meets(have, need string) bool {
	if need == "" {
		return Rank(have) > 0
	}
	return Rank(have) >= Rank(need) && Rank(need) > 0
}

// Login methods.
const (
	MethodPIN         = "pin"
	MethodPassword    = "password"
	MethodPasswordOTP = "password+otp"
	MethodApp         = "app"
	MethodCertificate = "certificate"
)

// Login is what a level is computed from.
type Login struct {
	Method        string // Method*
	Advanced      bool   // the account's registration level is advanced
	HardwareToken bool   // certificate logins: the key is on a token the policy accepts
}

// Of returns the level a login reaches; "" for an unknown method.
func Of(l Login) string {
	switch l.Method {
	case MethodCertificate:
		if l.HardwareToken {
			return High
		}
		return Substantial
	case MethodPIN, MethodPasswordOTP, MethodApp:
		if l.Advanced {
			return Substantial
		}
		return Low
	case MethodPassword:
		// A password alone is one factor, whatever the registration.
		return Low
	}
	return ""
}

// AMR returns the authentication method references (RFC 8176) of a login.
func AMR(l Login) []string {
	switch l.Method {
	case MethodPIN:
		return []string{"sms", "otp"}
	case MethodPassword:
		return []string{"pwd"}
	case MethodPasswordOTP:
		return []string{"pwd", "sms", "otp", "mfa"}
	case MethodApp:
		return []string{"hwk", "user", "mfa"}
	case MethodCertificate:
		if l.HardwareToken {
			return []string{"hwk", "pin", "mfa"}
		}
		return []string{"swk"}
	}
	return nil
}

// Standing is what WaysUp needs to know of a person.
type Standing struct {
	HasAccount     bool
	Advanced       bool
	HasPassword    bool
	HasDevice      bool // a registered app passkey
	HasCertificate bool // a valid certificate from this platform
	IsDNIHolder    bool // video identification is only for DNI holders
	VideoPending   bool // a video review is waiting for an operator
}

// WaysUp lists, best first, the concrete ways a person can reach the level
// need from where they stand. Empty means nothing they can do online (high
// needs a hardware token, which the deployment hands out).
func WaysUp(s Standing, need string) []i18n.Text {
	var out []i18n.Text
	if Rank(need) >= Rank(High) {
		return []i18n.Text{i18n.T(
			"Este trámite exige un certificado en una tarjeta o token criptográfico. Pide uno en una oficina de registro.",
			"This procedure needs a certificate on a smart card or cryptographic token. Ask for one at a registration office.")}
	}
	if s.HasCertificate {
		out = append(out, i18n.T(
			"Entra con tu certificado: alcanza el nivel sustancial y, si tu cuenta es básica, la sube a avanzada en ese momento.",
			"Log in with your certificate: it reaches the substantial level and, if your account is basic, upgrades it to advanced there and then."))
	}
	if s.Advanced {
		if s.HasPassword {
			out = append(out, i18n.T("Entra con tu contraseña y el código que te enviamos por SMS (no solo la contraseña).",
				"Log in with your password and the code we send by SMS (not the password alone)."))
		}
		out = append(out, i18n.T("Entra con un PIN por SMS.", "Log in with a PIN by SMS."))
		if s.HasDevice {
			out = append(out, i18n.T("Entra con la aplicación de tu móvil (código QR).", "Log in with the app on your phone (QR code)."))
		}
		return out
	}
	if !s.HasCertificate {
		out = append(out, i18n.T(
			"Consigue tu certificado (una visita a una oficina) y entra con él: tu cuenta pasa a avanzada al momento.",
			"Get your certificate (one office visit) and log in with it: your account becomes advanced at once."))
	}
	out = append(out, i18n.T(
		"Ve a una oficina de registro con tu documento de identidad: registran tu cuenta como avanzada en la misma visita.",
		"Go to a registration office with your identity document: they register your account as advanced in the same visit."))
	switch {
	case s.VideoPending:
		out = append(out, i18n.T("Tu videoidentificación está pendiente de revisión: cuando la aprueben, tu cuenta será avanzada.",
			"Your video identification is waiting for review: once approved, your account becomes advanced."))
	case s.IsDNIHolder:
		out = append(out, i18n.T("Haz la videoidentificación con tu DNI desde el navegador; un operador la revisa.",
			"Do the video identification with your DNI from your browser; an operator reviews it."))
	}
	return out
}
