package ra

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/store"
)

// Refusals of a backup confirmation.
var (
	ErrBackupKey = i18n.New("backup.key_mismatch",
		i18n.T("Ese archivo .p12 no contiene la clave de este certificado.", "That .p12 file does not hold this certificate's key."),
		i18n.T("Comprueba que has elegido la copia de este certificado (el archivo que escribió «llavero cert download» o «llavero cert renew») y vuelve a intentarlo.",
			"Check that you chose the copy of this certificate (the file \"llavero cert download\" or \"llavero cert renew\" wrote) and try again."))
	ErrBackupNotValid = i18n.New("backup.not_valid",
		i18n.T("Este certificado ha caducado o está revocado: una copia de él ya no sirve.",
			"This certificate has expired or is revoked: a copy of it is no longer of use."),
		i18n.T("Para tener otro, haz una solicitud nueva con «llavero cert request» y pasa por una oficina con tu documento.",
			"To get another, make a new request with \"llavero cert request\" and visit an office with your document."))
	ErrBackupRenewed = i18n.New("backup.renewed",
		i18n.T("Este certificado ya se renovó: la copia que importa es la del certificado nuevo.",
			"This certificate was renewed: the copy that matters is the new certificate's."),
		i18n.T("Confirma la copia del .p12 que escribió «llavero cert renew»: «llavero cert backup --p12 COPIA.p12».",
			"Confirm the copy of the .p12 that \"llavero cert renew\" wrote: \"llavero cert backup --p12 COPY.p12\"."))
)

// BackupRequest proves that a copy of a certificate's .p12 exists: the key
// read from the copy signs a fresh challenge (keystore.SignBackupChallenge).
type BackupRequest struct {
	Serial    string // the certificate's, lower-case hex
	Challenge string // from NewChallenge
	Signature []byte
	ClientKey string // the caller's network address, for the per-client limit
}

// ConfirmBackup records that the holder of a citizen's certificate showed,
// with the key read from a copy of the .p12, that a backup exists: the
// certificate's BackupConfirmedAt, with an audit event. The backup
// reminder (package reminders) then leaves the certificate alone. Only the
// key's holder can make the proof, so the serial alone (which is public)
// confirms nothing. Tries are counted per client address like downloads.
func (r *RA) ConfirmBackup(ctx context.Context, req BackupRequest) (store.Certificate, error) {
	now := r.now()
	if req.ClientKey != "" {
		n, err := r.st.CountAttempt(ctx, "backup:client:"+req.ClientKey, now, time.Hour)
		if err != nil {
			return store.Certificate{}, err
		}
		if n > r.cfg.DownloadTries {
			return store.Certificate{}, ErrTooManyTries
		}
	}
	ch, err := r.checkChallenge(req.Challenge)
	if err != nil {
		return store.Certificate{}, err
	}
	cert, err := r.st.GetCertificate(ctx, req.Serial)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cert.Kind != store.CertPerson) {
		return store.Certificate{}, ErrCertUnknown
	}
	if err != nil {
		return store.Certificate{}, err
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return store.Certificate{}, err
	}
	if err := keystore.VerifyBackupChallenge(x.PublicKey, ch, req.Signature); err != nil {
		return store.Certificate{}, ErrBackupKey.Wrap(err)
	}
	switch {
	case !cert.RevokedAt.IsZero() || !now.Before(cert.NotAfter):
		return store.Certificate{}, ErrBackupNotValid
	case cert.RenewedBy != "":
		return store.Certificate{}, ErrBackupRenewed
	}
	at := now.UTC().Truncate(time.Microsecond)
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		first := false
		var err error
		cert, err = tx.UpdateCertificate(ctx, cert.Serial, func(c *store.Certificate) error {
			first = c.BackupConfirmedAt.IsZero()
			c.BackupConfirmedAt = at
			return nil
		})
		if err != nil {
			return err
		}
		_, err = r.audit.Record(ctx, tx, audit.Event{Actor: "citizen:" + cert.PersonID, Action: "cert.backup_confirm", Subject: cert.PersonID,
			Outcome: audit.OK, Detail: map[string]any{"serial": cert.Serial, "first": first}})
		return err
	})
	if err != nil {
		return store.Certificate{}, err
	}
	return cert, nil
}
