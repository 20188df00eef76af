package server

import (
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/web"
)

// mountRemoteSigning builds remote signing on the CA, its key store (the
// people's remote-signing keys live beside the CA's: encrypted files in
// development, the PKCS#11 token in production) and the IdP's SMS codes,
// and mounts its API and pages.
//
// The formats come from internal/signing (signers.go): CAdES detached
// over the relying party's digest, PAdES for PDFs uploaded to /sign,
// both at level T with the platform's timestamp authority.
func (p *Platform) mountRemoteSigning(ad web.AccountDeps) {
	cfg := p.Config.RemoteSign
	p.RemoteSign = remotesign.New(p.Store, p.CA, p.keys, p.IdP, remotesign.Config{
		PublicURL: p.Config.PublicURL,
		TTL:       cfg.TTL,
		PDFMax:    int64(cfg.PDFMaxMB) << 20,
	}, nil, nil, p.Log)
	p.RemoteSign.SetSigners(cadesDigest{ts: p.TSA}, padesPDF{ts: p.TSA})
	p.Web.MountRemoteSigning(web.RemoteSignDeps{Service: p.RemoteSign, Accounts: ad})
}
