package reminders

import (
	"context"
	"errors"
	"strings"

	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

func dateOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

// daysLeft counts started days: 6 days and an hour left is "7 days".
func daysLeft(now, deadline time.Time) int {
	return int((deadline.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
}

// certText is the certificate-expiry reminder: when, what to do now
// (renew online, with the command) and what happens otherwise.
func certText(serial string, notAfter time.Time, left int, url string) (i18n.Text, i18n.Text) {
	subject := i18n.Tf("Tu certificado caduca el %s: renuévalo en línea", "Your certificate expires on %s: renew it online", dateOf(notAfter))
	body := i18n.Tf(
		"Tu certificado (número de serie %s) caduca el %s, dentro de %d día(s).\n\n"+
			"Siguiente paso: renuévalo ahora, en línea, en el ordenador donde lo tienes:\n"+
			"  llavero cert renew%s --p12 certificado.p12 --out certificado-nuevo.p12\n\n"+
			"Mientras siga en vigor, renovarlo no necesita ir a ninguna oficina. Si caduca antes, tendrás que pedir uno nuevo y volver a pasar por una oficina de registro con tu documento de identidad.\n%s",
		"Your certificate (serial number %s) expires on %s, in %d day(s).\n\n"+
			"Next step: renew it now, online, on the computer where you have it:\n"+
			"  llavero cert renew%s --p12 certificate.p12 --out certificate-new.p12\n\n"+
			"While it is valid, renewing it needs no office visit. If it expires first, you will have to apply for a new one and visit a registration office again with your identity document.\n%s",
		serial, dateOf(notAfter), left, config.ServerFlag(url), "%s")
	return subject, fillHole(body, seeAccount(url))
}

// letterText is the invitation-letter reminder.
func letterText(expires time.Time, left int, url string) (i18n.Text, i18n.Text) {
	subject := i18n.Tf("El código de tu carta de invitación caduca el %s", "Your invitation letter's code expires on %s", dateOf(expires))
	register := i18n.T("la página de registro", "the registration page")
	if url != "" {
		register = i18n.T(url+"/account/register/letter", url+"/account/register/letter")
	}
	body := fillHole(i18n.Tf(
		"El código de la carta de invitación que pediste caduca el %s, dentro de %d día(s), y todavía no te has registrado.\n\n"+
			"Siguiente paso: escribe tu número de identificación y el código de la carta en %s.\n\n"+
			"Si la carta no te ha llegado o la has perdido, puedes pedir otra en la página de registro, o registrarte con tu certificado o en una oficina de registro. Si ya no quieres registrarte, no hagas nada.\n",
		"The code of the invitation letter you asked for expires on %s, in %d day(s), and you have not registered yet.\n\n"+
			"Next step: type your identity number and the letter's code on %s.\n\n"+
			"If the letter has not arrived or you lost it, you can ask for another on the registration page, or register with your certificate or at a registration office. If you no longer want to register, do nothing.\n",
		dateOf(expires), left, "%s"), register)
	return subject, body
}

func seeAccount(url string) i18n.Text {
	if url == "" {
		return i18n.T("", "")
	}
	return i18n.T("\nTus avisos y certificados: "+url+"/account\n", "\nYour notices and certificates: "+url+"/account\n")
}

// fillHole puts a per-language text where t kept a literal "%s".
func fillHole(t, v i18n.Text) i18n.Text {
	return i18n.T(strings.Replace(t.ES, "%s", v.ES, 1), strings.Replace(t.EN, "%s", v.EN, 1))
}

// recipient is where a reminder about personID goes and in which
// language: the account's email, else the application's (for a
// certificate), else the registry's with the configured language.
func (s *Sweeper) recipient(ctx context.Context, personID, applicationID string) (string, i18n.Lang, error) {
	lang := func(l string) i18n.Lang { x, _ := i18n.Parse(l); return x }
	acc, err := s.st.GetAccount(ctx, personID)
	switch {
	case err == nil && acc.Email != "":
		return acc.Email, lang(acc.Lang), nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", "", err
	}
	if applicationID != "" {
		app, err := s.st.GetApplication(ctx, applicationID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", "", err
		}
		if err == nil && app.Email != "" {
			return app.Email, lang(app.Lang), nil
		}
	}
	p, err := s.st.GetPerson(ctx, personID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", "", err
	}
	return p.Email, s.cfg.Lang, nil
}

func (s *Sweeper) certReminder(ctx context.Context, c store.Certificate, threshold int, now time.Time) (due, bool, error) {
	to, lang, err := s.recipient(ctx, c.PersonID, c.ApplicationID)
	if err != nil || to == "" {
		if err == nil {
			s.log.Debug("no email for a certificate-expiry reminder", "serial", c.Serial)
		}
		return due{}, false, err
	}
	subject, body := certText(c.Serial, c.NotAfter, daysLeft(now, c.NotAfter), s.cfg.PublicURL)
	return due{to: to, r: store.Reminder{
		Subject: c.Serial, Kind: store.ReminderCertExpiry, Threshold: threshold, PersonID: c.PersonID,
		Lang: string(lang), Title: subject.In(lang), Body: body.In(lang), Deadline: c.NotAfter, SentAt: now,
	}}, true, nil
}

func (s *Sweeper) letterReminder(ctx context.Context, c store.OneTimeCode, threshold int, now time.Time) (due, bool, error) {
	// A letter's addressee has no account (the query saw to it), and the
	// letter's language is not kept: the registry's email, in the
	// deployment's language.
	to, lang, err := s.recipient(ctx, c.PersonID, "")
	if err != nil || to == "" {
		if err == nil {
			s.log.Debug("no email for a letter-code reminder", "code", c.ID)
		}
		return due{}, false, err
	}
	subject, body := letterText(c.ExpiresAt, daysLeft(now, c.ExpiresAt), s.cfg.PublicURL)
	return due{to: to, r: store.Reminder{
		Subject: c.ID, Kind: store.ReminderLetterCode, Threshold: threshold, PersonID: c.PersonID,
		Lang: string(lang), Title: subject.In(lang), Body: body.In(lang), Deadline: c.ExpiresAt, SentAt: now,
	}}, true, nil
}
