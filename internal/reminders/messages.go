package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
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

// backupText is the no-backup reminder: why a copy matters, how to make
// it and how to tell us.
func backupText(serial string, downloaded time.Time, url string) (i18n.Text, i18n.Text) {
	subject := i18n.T("Guarda una copia de seguridad de tu certificado", "Keep a backup of your certificate")
	body := i18n.Tf(
		"El %s descargaste tu certificado (número de serie %s) y todavía no nos has confirmado que tengas una copia de seguridad.\n\n"+
			"Por qué importa: la clave de tu certificado solo está en tu ordenador. Si el ordenador se pierde, se estropea o se formatea sin una copia, "+
			"el certificado ya no sirve: tendrás que hacer una solicitud nueva y volver a ir a una oficina de registro con tu documento.\n\n"+
			"Cómo hacerla: copia el archivo .p12 que escribió «llavero cert download» en una memoria USB o un disco externo, y guarda su contraseña aparte "+
			"(en papel, o en un gestor de contraseñas). Con un solo paso que además la comprueba:\n"+
			"  llavero cert backup%s --p12 certificado.p12 --copy-to /ruta/de/la/memoria-usb\n"+
			"Si ya la tienes, compruébala donde está:\n"+
			"  llavero cert backup%s --p12 /ruta/de/la/copia.p12\n\n"+
			"La comprobación abre la copia con su contraseña y firma un reto con su clave: no nos envía la clave. Después no volveremos a recordártelo.\n%s",
		"On %s you downloaded your certificate (serial number %s) and you have not yet confirmed to us that you have a backup of it.\n\n"+
			"Why it matters: your certificate's key is only on your computer. If the computer is lost, breaks or is formatted without a copy, "+
			"the certificate is of no more use: you will have to apply again and visit a registration office with your document.\n\n"+
			"How to make one: copy the .p12 file that \"llavero cert download\" wrote to a USB stick or an external disk, and keep its passphrase apart "+
			"(on paper, or in a password manager). One step that also checks it:\n"+
			"  llavero cert backup%s --p12 certificate.p12 --copy-to /path/to/the/usb-stick\n"+
			"If you already have one, check it where it is:\n"+
			"  llavero cert backup%s --p12 /path/to/the/copy.p12\n\n"+
			"The check opens the copy with its passphrase and signs a challenge with its key: it does not send us the key. After that we will not remind you again.\n%s",
		dateOf(downloaded), serial, config.ServerFlag(url), config.ServerFlag(url), "%s")
	return subject, fillHole(body, seeAccount(url))
}

// videoText is the refused-video reminder: what was wrong, and the three
// ways forward.
func videoText(decided time.Time, reason, next i18n.Text, note, url string) (i18n.Text, i18n.Text) {
	subject := i18n.T("Tu identificación por vídeo: cómo seguir", "Your video identification: how to go on")
	noteLine := i18n.T("", "")
	if note != "" {
		noteLine = i18n.T("\nNota del operador: "+note, "\nThe operator's note: "+note)
	}
	again := i18n.T("en la página «Identificación por vídeo» de tu cuenta", "on the \"Video identification\" page of your account")
	offices := i18n.T("el directorio de oficinas", "the office directory")
	if url != "" {
		again = i18n.T(url+"/account/video", url+"/account/video")
		offices = i18n.T(url+"/offices", url+"/offices")
	}
	esFmt := "El %s no pudimos aprobar tu identificación por vídeo y desde entonces no has vuelto a intentarlo. Tu cuenta sigue en nivel básico: " +
		"los trámites que piden el nivel sustancial no están a tu alcance todavía.\n\n" +
		"Motivo: %s%s\nQué hacer: %s\n\n" +
		"Tienes tres caminos:\n" +
		"  1. Repetir la identificación por vídeo con fotos y vídeo nuevos: %s\n" +
		"  2. Ir a una oficina de registro con tu documento original: te dejan la cuenta en nivel avanzado en la misma visita (oficinas: %s).\n" +
		"  3. Pedir un certificado («llavero cert request»), pasar por la oficina y entrar con él: tu cuenta pasa a avanzado al instante.\n\n" +
		"Si no necesitas el nivel avanzado, no hagas nada: puedes seguir usando tu cuenta básica.\n%s"
	enFmt := "On %s we could not approve your video identification, and you have not tried again since. Your account stays at the basic level: " +
		"the procedures that need the substantial level are not open to you yet.\n\n" +
		"Reason: %s%s\nWhat to do: %s\n\n" +
		"You have three ways forward:\n" +
		"  1. Do the video identification again with new photos and video: %s\n" +
		"  2. Visit a registration office with your original document: they make your account advanced in the same visit (offices: %s).\n" +
		"  3. Apply for a certificate (\"llavero cert request\"), visit the office and log in with it: your account becomes advanced at once.\n\n" +
		"If you do not need the advanced level, do nothing: you can go on using your basic account.\n%s"
	see := seeAccount(url)
	body := i18n.T(
		fmt.Sprintf(esFmt, dateOf(decided), reason.ES, noteLine.ES, next.ES, again.ES, offices.ES, see.ES),
		fmt.Sprintf(enFmt, dateOf(decided), reason.EN, noteLine.EN, next.EN, again.EN, offices.EN, see.EN))
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
// certificate), else the registry's, in the account's language or, with
// none, the configured one.
func (s *Sweeper) recipient(ctx context.Context, personID, applicationID string) (string, i18n.Lang, error) {
	lang := func(l string) i18n.Lang { x, _ := i18n.Parse(l); return x }
	fallback := s.cfg.Lang
	acc, err := s.st.GetAccount(ctx, personID)
	switch {
	case err == nil && acc.Email != "":
		return acc.Email, lang(acc.Lang), nil
	case err == nil:
		// An account without email (video registration makes it
		// optional) still knows the person's language.
		if l, ok := i18n.Parse(acc.Lang); ok {
			fallback = l
		}
	case !errors.Is(err, store.ErrNotFound):
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
	return p.Email, fallback, nil
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

func (s *Sweeper) backupReminder(ctx context.Context, c store.Certificate, now time.Time) (due, bool, error) {
	to, lang, err := s.recipient(ctx, c.PersonID, c.ApplicationID)
	if err != nil || to == "" {
		if err == nil {
			s.log.Debug("no email for a backup reminder", "serial", c.Serial)
		}
		return due{}, false, err
	}
	downloaded := now.Add(-s.cfg.BackupAfter)
	if app, err := s.st.GetApplication(ctx, c.ApplicationID); err == nil {
		downloaded = app.DownloadedAt
	}
	subject, body := backupText(c.Serial, downloaded, s.cfg.PublicURL)
	return due{to: to, r: store.Reminder{
		Subject: c.Serial, Kind: store.ReminderCertBackup, Threshold: days(s.cfg.BackupAfter), PersonID: c.PersonID,
		Lang: string(lang), Title: subject.In(lang), Body: body.In(lang), Deadline: c.NotAfter, SentAt: now,
	}}, true, nil
}

func (s *Sweeper) videoReminder(ctx context.Context, v store.VideoReview, now time.Time) (due, bool, error) {
	to, lang, err := s.recipient(ctx, v.PersonID, "")
	if err != nil || to == "" {
		if err == nil {
			s.log.Debug("no email for a video reminder", "review", v.ID)
		}
		return due{}, false, err
	}
	ref, note := idp.VideoRefusalOf(v.RefusalReason)
	subject, body := videoText(v.DecidedAt, ref.Reason, ref.Next, note, s.cfg.PublicURL)
	return due{to: to, r: store.Reminder{
		Subject: v.ID, Kind: store.ReminderVideoRefused, Threshold: days(s.cfg.VideoRetryAfter), PersonID: v.PersonID,
		Lang: string(lang), Title: subject.In(lang), Body: body.In(lang), Deadline: v.DecidedAt.Add(s.cfg.VideoRetryAfter), SentAt: now,
	}}, true, nil
}

// days is d in whole days, for a reminder's threshold.
func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

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
