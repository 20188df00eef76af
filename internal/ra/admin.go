package ra

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/store"
)

// OperatorIssuer is the part of the CA that certifies office operators.
type OperatorIssuer interface {
	IssueOperator(ctx context.Context, pub crypto.PublicKey, name, officeID, operatorID string, notBefore time.Time) (*x509.Certificate, error)
}

// AddOffice registers an office. Handles says which checks it does
// ("certificate", "account", "video-review").
func (r *RA) AddOffice(ctx context.Context, o store.Office, actor string) (store.Office, error) {
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" || strings.TrimSpace(o.Address) == "" {
		return store.Office{}, fmt.Errorf("an office needs a name and an address")
	}
	for _, h := range o.Handles {
		switch h {
		case "certificate", "account", "video-review":
		default:
			return store.Office{}, fmt.Errorf("unknown office capability %q: use certificate, account or video-review", h)
		}
	}
	id, err := r.randomID()
	if err != nil {
		return store.Office{}, err
	}
	o.ID = id[:12]
	o.CreatedAt = r.now().UTC().Truncate(time.Microsecond)
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateOffice(ctx, o); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "office.add", Subject: o.ID, Outcome: audit.OK,
			Detail: map[string]any{"name": o.Name, "handles": o.Handles}})
		return err
	})
	return o, err
}

// AddOperator registers an operator at an office and certifies pub (the
// operator's new key) for them.
func (r *RA) AddOperator(ctx context.Context, iss OperatorIssuer, officeID, name string, pub crypto.PublicKey, actor string) (store.Operator, *x509.Certificate, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Operator{}, nil, fmt.Errorf("an operator needs a name")
	}
	office, err := r.st.GetOffice(ctx, officeID)
	if err != nil {
		return store.Operator{}, nil, fmt.Errorf("office %q: %w", officeID, err)
	}
	id, err := r.randomID()
	if err != nil {
		return store.Operator{}, nil, err
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	op := store.Operator{ID: id[:12], OfficeID: office.ID, Name: name, CreatedAt: now}
	cert, err := iss.IssueOperator(ctx, pub, name, office.ID, op.ID, now)
	if err != nil {
		return store.Operator{}, nil, err
	}
	op.CertSerial = SerialHex(cert.SerialNumber)
	rec := certRecord(cert, store.CertOperator, op.ID, "", now)
	ocspDER, err := r.signGood(cert.SerialNumber, now)
	if err != nil {
		return store.Operator{}, nil, err
	}
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateOperator(ctx, op); err != nil {
			return err
		}
		if err := tx.CreateCertificate(ctx, rec); err != nil {
			return err
		}
		if err := tx.PutOCSP(ctx, store.OCSPEntry{Serial: rec.Serial, DER: ocspDER, ThisUpdate: now, NextUpdate: now.Add(r.cfg.OCSPValidity)}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "operator.add", Subject: op.ID, Outcome: audit.OK,
			Detail: map[string]any{"office": office.ID, "serial": rec.Serial}})
		return err
	})
	if err != nil {
		return store.Operator{}, nil, err
	}
	return op, cert, nil
}
