/**
 * What people call Roster's fields in the files they import: the synonym table, the qualifier
 * words that modify a header ("Business", "Home", "Other", "geschäftlich"...) and the headers
 * that must never be mapped to a contact field ("Assistant's Phone", "Email Opt Out"...).
 *
 * Phrases are written as people write them; they are normalised with `normalizeHeader` when the
 * lookup tables are built. A weight below 1 marks a phrase that is likely but not certain
 * ("Title" is a job title in Salesforce and a salutation in Outlook; values decide).
 */

export interface SynonymGroup {
  field: string;
  weight: number;
  /** `|`-separated phrases. */
  phrases: string;
}

const g = (field: string, weight: number, phrases: string): SynonymGroup => ({
  field,
  weight,
  phrases,
});

export const SYNONYM_GROUPS: readonly SynonymGroup[] = [
  // email
  g(
    'email',
    0.95,
    'e-mail|mail|email address|e-mail address|emailaddress|mail address|email addr|' +
      'contact email|primary email|email 1|subscriber email|user email|customer email|' +
      'correo|correo electronico|e-mail-adresse|email adresse|adresse e-mail|adresse email|' +
      'courriel|adresse courriel|adresse electronique|e-mailadres|emailadres|endereco de email|' +
      'endereco de e-mail|email principal|posta elettronica|e-mail address 1',
  ),
  g(
    'email',
    0.75,
    'secondary email|other email|alternate email|alt email|email 2|second email|' +
      'additional email|backup email|personal email|work email',
  ),
  g('email_additional', 0.95, 'email additional|additional emails|other emails'),
  // names
  g(
    'first_name',
    0.95,
    'first|fname|f name|given name|givenname|forename|christian name|first nm|name first|' +
      'first names|vorname|prenom|nombre|primer nombre|nome|primeiro nome|voornaam|' +
      'nombre de pila|nome proprio',
  ),
  g(
    'middle_name',
    0.95,
    'middle|middlename|mname|middle initial|additional name|additional names|other names|' +
      'weitere vornamen|zweiter vorname|segundo nombre|nome do meio|deuxieme prenom',
  ),
  g(
    'last_name',
    0.95,
    'last|lname|l name|surname|family name|familyname|name last|last names|nachname|' +
      'familienname|nom|nom de famille|apellido|apellidos|sobrenome|ultimo nome|achternaam|' +
      'cognome',
  ),
  g(
    'full_name',
    0.9,
    'name|full name|fullname|display name|person name|customer name|client name|' +
      'subscriber name|member name|lead name|your name|contact person|names|' +
      'nombre completo|nome completo|nom complet|vollstandiger name|volledige naam|naam|' +
      'nombre y apellido|nombre y apellidos|ansprechpartner',
  ),
  // organisation
  g(
    'company',
    0.95,
    'company name|companyname|organization|organisation|organization name|organisation name|' +
      'org|org name|account name|business name|employer|firm|current company|' +
      'firma|firmenname|unternehmen|societe|entreprise|nom de l entreprise|empresa|compania|' +
      'nombre de la empresa|nome da empresa|bedrijf|bedrijfsnaam|organizacion|organizacao|' +
      'azienda|company org',
  ),
  g('company', 0.8, 'account|business|organization 1'),
  g(
    'job_title',
    0.95,
    'jobtitle|job|position|job position|role|job role|designation|organization title|' +
      'organisation title|position title|current position|current title|job function|' +
      'berufsbezeichnung|stellung|funktion|titre|poste|fonction|intitule du poste|cargo|' +
      'puesto|titulo|funcao|functie|title job|job titles|position held',
  ),
  g('job_title', 0.85, 'occupation|profession|beruf'),
  g('job_title', 0.8, 'title'),
  g(
    'department',
    0.95,
    'dept|division|organization department|organisation department|departments|abteilung|' +
      'departement|departamento|afdeling|dipartimento',
  ),
  // phones: the plain phone words beat mobile, mobile beats business/home (qualified) numbers
  g(
    'phone',
    0.98,
    'phone number|phonenumber|telephone|telephone number|tel|tel no|phone no|phone 1|' +
      'primary phone|main phone|contact phone|direct phone|direct dial|telefon|telefonnummer|' +
      'haupttelefon|numero de telephone|telefono|numero de telefono|telefone|' +
      'numero de telefone|telefoonnummer|telefoon|phone numbers|phones',
  ),
  g(
    'phone',
    0.92,
    'mobile|mobile phone|mobile number|mobile phone number|mobile no|cell|cell phone|' +
      'cellphone|cell number|cellular|phone mobile|sms|sms number|handy|handynummer|' +
      'mobiltelefon|mobilnummer|telefon mobil|portable|telephone portable|movil|celular|' +
      'telefono movil|telemovel|mobiel|mobiel nummer|mobiele nummer|gsm|cellulare',
  ),
  g(
    'phone',
    0.85,
    'landline|landline number|whatsapp|whatsapp number|phone 2|car phone|autotelefon',
  ),
  g('phone_additional', 0.95, 'phone additional|additional phones|other phones'),
  // web
  g(
    'website',
    0.95,
    'web site|url|web|homepage|home page|web page|webpage|site|website url|company website|' +
      'company url|company domain|company domain name|domain|webseite|internetseite|site web|' +
      'site internet|sitio web|pagina web|sitio|pagina|websites',
  ),
  g(
    'linkedin_url',
    0.95,
    'linkedin|linkedin profile|linkedin profile url|linkedin page|person linkedin url|' +
      'li profile|linkedin link|linkedin address|contact li profile url|li url|' +
      'linkedin profil|perfil de linkedin|profil linkedin',
  ),
  // address
  g(
    'street',
    0.95,
    'street address|address|address 1|address line 1|addr|street 1|street line 1|' +
      'mailing address|postal address|street and number|strasse|strasse und hausnummer|' +
      'adresse|anschrift|rue|adresse postale|direccion|calle|endereco|rua|straat|adres|' +
      'indirizzo|address line one',
  ),
  g(
    'street2',
    0.95,
    'street 2|address 2|address line 2|street line 2|apartment|suite|apt|apt suite|' +
      'extended address|unit|adresszusatz|complement|complemento|complement d adresse|' +
      'address line two|address2|strasse 2|adresse 2|direccion 2',
  ),
  g(
    'city',
    0.95,
    'town|locality|city town|town city|stadt|wohnort|ville|ciudad|localidad|cidade|' +
      'plaats|woonplaats|citta|municipality|city name',
  ),
  // German "Ort" is the city in most lists, but Outlook's "Location" field in its exports.
  // With a qualifier it is unambiguous again.
  g('city', 0.8, 'ort'),
  g('city', 0.9, 'ort geschäftlich'),
  g('city', 0.85, 'ort privat'),
  g('city', 0.75, 'weiterer ort'),
  g(
    'region',
    0.95,
    'state|province|state province|state region|state or province|region code|state code|' +
      'province code|prefecture|bundesland|kanton|bundesland kanton|provinz|etat|provincia|' +
      'estado|provincie|territory|st',
  ),
  g('region', 0.8, 'county'),
  g(
    'postal_code',
    0.95,
    'postcode|post code|zip|zip code|zipcode|zip postal code|postal|postleitzahl|plz|' +
      'code postal|cp|codigo postal|cep|pin code|pincode|eircode|zip postcode|postal zip code',
  ),
  g(
    'country',
    0.95,
    'country region|country name|nation|country code|land|land region|pays|pais|country iso|' +
      'nazione|paese',
  ),
  g('country', 0.75, 'cc'),
  // lists and scores
  g(
    'tags',
    0.95,
    'tag|labels|label|categories|group membership|groups|schlagworter|kategorien|etiquetas|' +
      'etiquettes|etiketten|marcadores|tags list',
  ),
  g('tags', 0.8, 'category|group'),
  g('lead_score', 0.95, 'score|leadscore|hubspot score|lead scoring|contact score|lead points'),
  g(
    'lifecycle_stage',
    0.95,
    'lifecycle|lifecycle stage|lifecyclestage|stage|lead stage|customer stage|funnel stage|' +
      'contact stage|lifecycle status',
  ),
  g(
    'birthday',
    0.95,
    'birth date|birthdate|date of birth|dob|bday|born|birth day|geburtstag|geburtsdatum|' +
      'date de naissance|fecha de nacimiento|cumpleanos|data de nascimento|geboortedatum|' +
      'verjaardag|data di nascita',
  ),
  g(
    'language',
    0.95,
    'lang|preferred language|locale|sprache|langue|idioma|lingua|taal|communication language',
  ),
  g(
    'notes',
    0.95,
    'note|comments|comment|description|remarks|memo|notizen|notiz|bemerkung|bemerkungen|' +
      'remarques|commentaire|commentaires|notas|nota|comentarios|observaciones|observacoes|' +
      'opmerkingen|notities|note 1',
  ),
  g(
    'external_id',
    0.95,
    'id|record id|contact id|customer id|user id|subscriber id|member id|lead id|person id|' +
      'crm id|ext id|external reference|uid|client id|profile id|kundennummer|kunden nr|' +
      'numero de client|id cliente|klantnummer',
  ),
  g('external_id', 0.8, 'object id'),
  g(
    'email_opt_in',
    0.95,
    'opt in|optin|email optin|accepts email marketing|accepts marketing|' +
      'email marketing consent|email consent|marketing consent|email subscribed|' +
      'marketing opt in|newsletter opt in|gdpr consent|email marketing|newsletter|subscribed|' +
      'marketing emails',
  ),
  g(
    'sms_opt_in',
    0.95,
    'sms optin|accepts sms marketing|sms consent|sms marketing consent|sms subscribed|' +
      'text opt in|sms marketing|text message opt in',
  ),
  g(
    'source',
    0.95,
    'lead source|original source|contact source|acquisition source|signup source|' +
      'source name|herkunft|quelle|origine|fuente|origen|origem|bron|lead origin',
  ),
  g(
    'owner',
    0.95,
    'contact owner|lead owner|sales owner|assigned to|sales rep|record owner|owner name|' +
      'hubspot owner|besitzer|verantwortlich|propietario|responsable|proprietaire|' +
      'account manager|salesperson',
  ),
  g('owner', 0.8, 'account owner|rep|owner id'),
  g(
    'created_at',
    0.95,
    'created|date created|created date|create date|creation date|created on|created time|' +
      'signup date|sign up date|signed up|date added|added on|added|date registered|' +
      'registration date|join date|joined|member since|customer since|created utc|' +
      'erstellt am|erstellungsdatum|date de creation|fecha de creacion|data de criacao|' +
      'aangemaakt op|subscribed on|signup time|date joined|when created|created when',
  ),
  g(
    'last_activity_at',
    0.95,
    'last activity|last activity date|last activity time|last contacted|last seen|' +
      'last engagement|last interaction|last touch|last touch date|letzte aktivitat|' +
      'derniere activite|ultima actividad',
  ),
];

/** How a qualifier word changes the weight of what it qualifies. */
export interface Qualifier {
  phrase: string;
  factor: number;
  /** Where the word may stand. */
  at: 'lead' | 'trail' | 'both';
  /** Fields it may qualify; all fields when absent. */
  onlyFor?: readonly string[];
}

const q = (
  phrases: string,
  factor: number,
  at: Qualifier['at'],
  extra: Partial<Qualifier> = {},
): Qualifier[] => phrases.split('|').map((phrase) => ({ phrase, factor, at, ...extra }));

const COMPANY_LEVEL_FIELDS = ['phone', 'website', 'email'] as const;
const ADDRESS_FIELDS = ['street', 'street2', 'city', 'region', 'postal_code', 'country'] as const;

export const QUALIFIERS: readonly Qualifier[] = [
  // say nothing about the kind: "Primary Email", "Email 1 - Value", "Contact Owner"
  ...q('primary|main|preferred|principal|current|your|direct', 1, 'lead'),
  ...q('value|utc|gmt', 1, 'trail'),
  ...q(
    'person|contact|lead|customer|client|subscriber|member|user|profile|employee|kontakt|' +
      'kunde|cliente|contacto|contato',
    1,
    'lead',
  ),
  // "Address 1 - City", "Address City": the group word, only in front of an address part
  ...q('address|adresse', 1, 'lead', { onlyFor: ADDRESS_FIELDS }),
  ...q('default address|default', 0.97, 'lead'),
  ...q('mailing|correspondence', 0.95, 'lead'),
  ...q(
    'business|work|office|professional|geschaftlich|dienstlich|buro|professionnel|bureau|' +
      'trabajo|oficina|trabalho|comercial|werk|zakelijk|kantoor',
    0.9,
    'both',
  ),
  ...q(
    'home|personal|private|privat|personlich|domicile|personnel|perso|casa|particular|' +
      'residencial|prive|thuis|persoonlijk',
    0.9,
    'both',
  ),
  ...q('billing|invoice|rechnung', 0.9, 'lead'),
  ...q('shipping|delivery|liefer', 0.85, 'lead'),
  ...q(
    'other|alternate|alternative|alt|secondary|second|additional|extra|backup|weitere|' +
      'weiteres|weiterer|weiteres r|weiteres e|andere|anderer|autre|otro|otra|outro|outra|' +
      'ander|2nd|recovery',
    0.8,
    'both',
  ),
  ...q(
    'company|corporate|organization|organisation|org|account|firma|firmen|entreprise|' +
      'empresa|bedrijf',
    0.7,
    'both',
    { onlyFor: COMPANY_LEVEL_FIELDS },
  ),
];

/**
 * Words that make a header about someone or something else than the contact's own field
 * ("Assistant's Phone", "Business Fax", "Spouse", "Given Name Yomi") or that mean the opposite
 * of a field ("Email Opt Out", "Unsubscribed"). Such columns are never mapped, not even by
 * their values.
 */
export const BLOCKED_WORDS: ReadonlySet<string> = new Set(
  (
    'assistant assistants assistent assistentin asst spouse ehepartner partner fax telefax ' +
    'pager telex isdn tty tdd callback ruckmeldung radio yomi phonetic maiden anniversary ' +
    'jahrestag children kinder managers vorgesetzten referred empfohlen reports hobby ' +
    'horbehinderte optout unsubscribed unsubscribe abgemeldet bounced bounce'
  ).split(' '),
);

/** Phrases (normalised) with the same effect as `BLOCKED_WORDS`. */
export const BLOCKED_PHRASES: readonly string[] = [
  'opt out',
  'do not email',
  'do not call',
  'do not contact',
  'has opted out',
  'email opt out',
  'manager email',
  'manager name',
  'manager phone',
];

/** Words that, next to "id", make a column the contact's id in another system. */
export const ID_OWNER_WORDS: ReadonlySet<string> = new Set(
  (
    'contact person lead customer client subscriber member user record profile crm external ' +
    'employee kunde kunden cliente'
  ).split(' '),
);
