package xades

import "github.com/llavero/llavero/internal/i18n"

// The errors a person can meet when signing or reading an XML signature.
var (
	ErrEmpty = i18n.New("xades.empty",
		i18n.T("El documento XML está vacío.", "The XML document is empty."),
		i18n.T("Elige el archivo XML que quieres firmar; si es el correcto, ábrelo con un editor y comprueba que tiene contenido.",
			"Choose the XML file you mean to sign; if it is the right one, open it in an editor and check that it has content."))
	ErrNotXML = i18n.New("xades.not_xml",
		i18n.T("El archivo no es un documento XML bien formado.", "The file is not a well-formed XML document."),
		i18n.T("Comprueba que has elegido el archivo correcto. Si no es XML (un PDF, una imagen…), fírmalo en formato separado (.xsig) o con CAdES.",
			"Check that you chose the right file. If it is not XML (a PDF, an image…), sign it detached (.xsig) or with CAdES."))
	ErrDoctype = i18n.New("xades.doctype",
		i18n.T("El documento XML tiene una declaración DOCTYPE o entidades, que no se aceptan por seguridad.", "The XML document has a DOCTYPE declaration or entities, which are refused for safety."),
		i18n.T("Quita la declaración <!DOCTYPE …> del documento, o fírmalo en formato separado (.xsig), que no lo interpreta.",
			"Remove the <!DOCTYPE …> declaration from the document, or sign it detached (.xsig), which does not read it."))
	ErrEncoding = i18n.New("xades.encoding",
		i18n.T("El documento XML no está en UTF-8.", "The XML document is not in UTF-8."),
		i18n.T("Guarda el documento en UTF-8 (y su declaración como encoding=\"UTF-8\") y vuelve a firmarlo, o fírmalo en formato separado (.xsig).",
			"Save the document as UTF-8 (with encoding=\"UTF-8\" in its declaration) and sign it again, or sign it detached (.xsig)."))
	ErrTooLarge = i18n.New("xades.too_large",
		i18n.T("El documento XML es demasiado grande para firmarlo dentro de sí mismo.", "The XML document is too large to sign inside itself."),
		i18n.T("Fírmalo en formato separado (.xsig): así no hay límite de tamaño.",
			"Sign it detached (.xsig): that has no size limit."))
	ErrTooComplex = i18n.New("xades.too_complex",
		i18n.T("El documento XML declara demasiados espacios de nombres para procesarlo.", "The XML document declares too many namespaces to be processed."),
		i18n.T("Fírmalo en formato separado (.xsig), que no interpreta el XML; si es una firma recibida, pide a quien la hizo que la repita con un documento más sencillo.",
			"Sign it detached (.xsig), which does not read the XML; if it is a signature you received, ask the signer to make it again with a simpler document."))
	ErrNoName = i18n.New("xades.no_name",
		i18n.T("Falta el nombre del archivo que se firma por separado.", "The name of the file signed detached is missing."),
		i18n.T("Indica el nombre del archivo: la firma .xsig lo guarda para encontrarlo al verificar.",
			"Give the file's name: the .xsig signature keeps it to find the file when verifying."))
	ErrNoTimestamper = i18n.New("xades.no_tsa",
		i18n.T("Para firmar en nivel T hace falta un servicio de sellado de tiempo.", "Signing at level T needs a timestamp service."),
		i18n.T("Indica la dirección del servicio de sellado (--tsa), o firma en nivel B.",
			"Give the timestamp service address (--tsa), or sign at level B."))
	ErrUnsupportedKey = i18n.New("xades.key_type",
		i18n.T("El tipo de clave de este certificado no se puede usar para firmar XML.", "This certificate's key type cannot be used to sign XML."),
		i18n.T("Usa un certificado con clave RSA o ECDSA (P-256, P-384 o P-521), como los que emite llavero.",
			"Use a certificate with an RSA or ECDSA key (P-256, P-384 or P-521), like the ones llavero issues."))
	ErrNoSignature = i18n.New("xades.no_signature",
		i18n.T("El documento no contiene ninguna firma XML.", "The document contains no XML signature."),
		i18n.T("Comprueba que has elegido el archivo firmado (el .xsig, o el XML que devolvió la firma), no el original.",
			"Check that you chose the signed file (the .xsig, or the XML the signing gave back), not the original."))
	ErrMalformed = i18n.New("xades.malformed",
		i18n.T("La firma XML está incompleta o mal construida.", "The XML signature is incomplete or badly built."),
		i18n.T("Pide a quien firmó que vuelva a firmar el documento y te envíe el archivo firmado sin modificar.",
			"Ask the signer to sign the document again and send you the signed file unmodified."))
	ErrUnsupported = i18n.New("xades.unsupported",
		i18n.T("La firma usa un algoritmo o una transformación que llavero no admite.", "The signature uses an algorithm or transform that llavero does not support."),
		i18n.T("Pide a quien firmó que use SHA-256 o superior con RSA o ECDSA, como hacen AutoFirma y llavero.",
			"Ask the signer to use SHA-256 or stronger with RSA or ECDSA, as AutoFirma and llavero do."))
	ErrIntegrity = i18n.New("xades.integrity",
		i18n.T("La firma no corresponde al contenido: el documento o la firma se han modificado después de firmar.", "The signature does not match the content: the document or the signature was changed after signing."),
		i18n.T("Consigue el documento original y su firma tal como los envió quien firmó; no los abras ni los guardes con otro programa antes de verificar.",
			"Get the original document and its signature exactly as the signer sent them; do not open and save them with another program before verifying."))
	ErrMissingData = i18n.New("xades.missing_data",
		i18n.T("No se encuentra el archivo firmado al que se refiere la firma separada.", "The signed file that the detached signature refers to cannot be found."),
		i18n.T("Pon el archivo firmado, con su nombre original, junto a la firma .xsig (o indícalo con --detached) y vuelve a verificar.",
			"Put the signed file, with its original name, next to the .xsig signature (or give it with --detached) and verify again."))
)
