# ruff: noqa: E501 (long French and English sentences read better unbroken)
"""The demo's fixed content: organisations, people, teams, services and ticket texts (FR and EN).

Plain data only; `allie.demo.builder` turns it into rows through the services.
"""

from __future__ import annotations

DEMO_PASSWORD = "allie-demo-2026"  # noqa: S105 (a published demo password, not a secret)
IT_DEPARTMENT = "Direction des technologies de l'information"
STAFF_DOMAIN = "dti.example"
CITY_DOMAIN = "ville.example"
CLINIC_DOMAIN = "cliniquelavoie.example"
ADMIN_EMAIL = f"admin@{STAFF_DOMAIN}"

# key, name, kind, language, VIP, sites (name, address), email domain
ORGANISATIONS = [
    (
        "finances",
        "Finances",
        "internal",
        "fr-ca",
        False,
        [
            ("Hôtel de ville", "275, rue Notre-Dame Est, Montréal"),
            ("Édifice Lucien-Saulnier", "155, rue Notre-Dame Est, Montréal"),
        ],
        CITY_DOMAIN,
    ),
    (
        "rh",
        "Ressources humaines",
        "internal",
        "fr-ca",
        False,
        [
            ("Hôtel de ville", "275, rue Notre-Dame Est, Montréal"),
            ("Centre de formation", "2580, boulevard Saint-Joseph Est, Montréal"),
        ],
        CITY_DOMAIN,
    ),
    (
        "techniques",
        "Services techniques",
        "internal",
        "fr-ca",
        False,
        [
            ("Garage municipal", "8955, boulevard Langelier, Montréal"),
            ("Usine de filtration", "3161, rue Joseph, Verdun"),
            ("Cour de voirie", "1280, rue Bercy, Montréal"),
        ],
        CITY_DOMAIN,
    ),
    (
        "clinique",
        "Clinique Lavoie",
        "external",
        "en",
        True,
        [
            ("Westmount", "4999, rue Sainte-Catherine Ouest, Westmount"),
            ("Laval", "1600, boulevard Le Corbusier, Laval"),
        ],
        CLINIC_DOMAIN,
    ),
]

# key, full name, language, roles, teams (keys)
STAFF = [
    ("genevieve", "Geneviève Lapointe", "fr-ca", ["agent", "team_lead"], ["proximite"]),
    ("marc", "Marc-André Bélanger", "fr-ca", ["agent"], ["proximite"]),
    ("sophie", "Sophie Gagné", "fr-ca", ["agent", "account_manager"], ["proximite", "clients"]),
    ("daniel", "Daniel O'Brien", "en", ["agent"], ["infrastructure", "clients"]),
    ("nathalie", "Nathalie Bergeron", "fr-ca", ["agent", "team_lead"], ["infrastructure"]),
    ("kevin", "Kevin Nguyen", "en", ["agent"], ["infrastructure", "proximite"]),
    ("isabelle", "Isabelle Morin", "fr-ca", ["agent", "team_lead"], ["applications"]),
    ("amelie", "Amélie Fortin", "fr-ca", ["agent", "quality_reviewer"], ["applications"]),
    ("julie", "Julie Tremblay", "fr-ca", ["agent", "manager", "account_manager"], ["clients"]),
    ("patrick", "Patrick Roy", "fr-ca", ["executive"], []),
]
ADMIN_NAME = "Hélène Dufour"

# key, name, division, lead key, served organisation keys
TEAMS = [
    (
        "proximite",
        "Soutien de proximité",
        "Opérations",
        "genevieve",
        ["finances", "rh", "techniques"],
    ),
    (
        "infrastructure",
        "Infrastructure",
        "Infrastructure et sécurité",
        "nathalie",
        ["finances", "rh", "techniques", "clinique"],
    ),
    (
        "applications",
        "Applications d'affaires",
        "Solutions d'affaires",
        "isabelle",
        ["finances", "rh", "clinique"],
    ),
    ("clients", "Comptes clients", "Services-conseils", "julie", ["clinique"]),
]

# Requesters: (full name, language). The first of each list is the executive sponsor; those
# at CONTACT_INDEXES (the second first) are the organisation's contacts.
CONTACT_INDEXES = (1, 4, 5)
REQUESTERS = {
    "finances": [
        ("Louise Charbonneau", "fr-ca"),
        ("François Lévesque", "fr-ca"),
        ("Mélanie Cloutier", "fr-ca"),
        ("Jean-Philippe Ouellet", "fr-ca"),
        ("Catherine Paquette", "fr-ca"),
        ("Robert Simard", "fr-ca"),
        ("Emily Walsh", "en"),
        ("Véronique Lemieux", "fr-ca"),
        ("Stéphane Girard", "fr-ca"),
        ("Andrew Campbell", "en"),
        ("Chantal Dubé", "fr-ca"),
    ],
    "rh": [
        ("Martine Beaulieu", "fr-ca"),
        ("Éric Poirier", "fr-ca"),
        ("Annie Gauthier", "fr-ca"),
        ("Sarah Mitchell", "en"),
        ("Mathieu Caron", "fr-ca"),
        ("Josée Bouchard", "fr-ca"),
        ("Alexandre Pelletier", "fr-ca"),
        ("Karine Landry", "fr-ca"),
        ("David Thompson", "en"),
        ("Nancy Savard", "fr-ca"),
    ],
    "techniques": [
        ("Michel Bergeron", "fr-ca"),
        ("Sylvain Thibault", "fr-ca"),
        ("Guillaume Vachon", "fr-ca"),
        ("Patrick Murphy", "en"),
        ("Luc Desjardins", "fr-ca"),
        ("Marie-Ève Boucher", "fr-ca"),
        ("Yves Racine", "fr-ca"),
        ("Jason Lee", "en"),
        ("Denis Proulx", "fr-ca"),
        ("Isabelle Nadeau", "fr-ca"),
    ],
    "clinique": [
        ("Michael Lavoie", "en"),
        ("Jennifer Brooks", "en"),
        ("Olivier Lavoie", "fr-ca"),
        ("Rachel Goldberg", "en"),
        ("Maude Lachance", "fr-ca"),
        ("Thomas Wright", "en"),
        ("Amira Haddad", "fr-ca"),
        ("Laura Chen", "en"),
        ("Benoît Arsenault", "fr-ca"),
    ],
}

CHOICES_DEVICE = (
    "portable | Portable | Laptop\nbureau | Poste de bureau | Desktop\ntablette | Tablette | Tablet"
)
CHOICES_SYSTEM = (
    "reseau | Session réseau | Network account\nsap | SAP Finances | SAP Finance\n"
    "paie | Paie et RH | Payroll and HR\ndossiers | Dossiers patients | Patient records"
)
CHOICES_LOCATION = "bureau | Au bureau | At the office\ndomicile | À domicile | At home\ndeplacement | En déplacement | Travelling"
CHOICES_APPLICATION = (
    "sap | SAP Finances | SAP Finance\npaie | Paie (Dayforce) | Payroll (Dayforce)\n"
    "dossiers | Dossiers patients | Patient records\ngmao | Gestion de l'entretien | Maintenance management"
)
CHOICES_PHONE = "nouveau | Nouvel appareil | New device\nbris | Appareil brisé | Broken device\nforfait | Forfait et données | Plan and data"

# code, owner team, default kind, impact, urgency, FR/EN texts, form fields
# field: key, type, required, label FR, label EN, help FR, help EN, choices
SERVICES = [
    {
        "code": "postes-de-travail",
        "team": "proximite",
        "kind": "incident",
        "impact": "low",
        "urgency": "medium",
        "name_fr": "Poste de travail et portable",
        "name_en": "Workstation and laptop",
        "description_fr": "Un ordinateur qui ne démarre pas, est lent ou doit être remplacé.",
        "description_en": "A computer that will not start, is slow or must be replaced.",
        "in_scope_fr": "Ordinateurs fournis par la Ville, écrans, claviers, stations d'accueil.",
        "in_scope_en": "City-issued computers, monitors, keyboards, docking stations.",
        "out_of_scope_fr": "Les ordinateurs personnels.",
        "out_of_scope_en": "Personal computers.",
        "alternative_fr": "",
        "alternative_en": "",
        "fields": [
            (
                "type_appareil",
                "choice",
                True,
                "Type d'appareil",
                "Device type",
                "",
                "",
                CHOICES_DEVICE,
            ),
            (
                "numero_inventaire",
                "text",
                False,
                "Numéro d'inventaire",
                "Asset tag",
                "Sur l'étiquette blanche sous l'appareil.",
                "On the white label under the device.",
                "",
            ),
            ("photo", "file", False, "Photo du problème", "Photo of the problem", "", "", ""),
        ],
    },
    {
        "code": "acces-comptes",
        "team": "proximite",
        "kind": "service_request",
        "impact": "low",
        "urgency": "medium",
        "name_fr": "Accès et comptes",
        "name_en": "Access and accounts",
        "description_fr": "Créer un compte, donner un accès, réinitialiser un mot de passe.",
        "description_en": "Create an account, grant access, reset a password.",
        "in_scope_fr": "Session réseau, courriel, SAP, paie, dossiers patients.",
        "in_scope_en": "Network login, email, SAP, payroll, patient records.",
        "out_of_scope_fr": "Les accès aux bâtiments (cartes d'accès).",
        "out_of_scope_en": "Building access (key cards).",
        "alternative_fr": "Pour une carte d'accès, écrivez à la sécurité des immeubles.",
        "alternative_en": "For a key card, write to building security.",
        "fields": [
            ("systeme", "choice", True, "Système", "System", "", "", CHOICES_SYSTEM),
            ("date_debut", "date", True, "À partir du", "Starting on", "", "", ""),
            (
                "approbateur",
                "text",
                True,
                "Gestionnaire qui approuve",
                "Approving manager",
                "",
                "",
                "",
            ),
            ("justification", "long_text", False, "Justification", "Justification", "", "", ""),
        ],
    },
    {
        "code": "impression",
        "team": "proximite",
        "kind": "incident",
        "impact": "medium",
        "urgency": "medium",
        "name_fr": "Impression et numérisation",
        "name_en": "Printing and scanning",
        "description_fr": "Imprimantes, photocopieurs et numériseurs partagés.",
        "description_en": "Shared printers, copiers and scanners.",
        "in_scope_fr": "Bourrages, pilotes, files d'impression, numérisation vers le courriel.",
        "in_scope_en": "Jams, drivers, print queues, scan to email.",
        "out_of_scope_fr": "Le papier et les cartouches (commande au magasin).",
        "out_of_scope_en": "Paper and toner (order from the stores).",
        "alternative_fr": "Commandez le papier et l'encre au magasin central.",
        "alternative_en": "Order paper and toner from the central stores.",
        "fields": [
            (
                "imprimante",
                "text",
                True,
                "Nom de l'imprimante",
                "Printer name",
                "Sur l'étiquette, par exemple IMP-HDV-3-02.",
                "On the label, for example IMP-HDV-3-02.",
                "",
            ),
            ("etage", "number", False, "Étage", "Floor", "", "", ""),
        ],
    },
    {
        "code": "reseau-vpn",
        "team": "infrastructure",
        "kind": "incident",
        "impact": "medium",
        "urgency": "high",
        "name_fr": "Réseau et accès à distance (RPV)",
        "name_en": "Network and remote access (VPN)",
        "description_fr": "Connexion au réseau, Wi-Fi, accès à distance par RPV.",
        "description_en": "Network connection, Wi-Fi, remote access through the VPN.",
        "in_scope_fr": "Réseau des bureaux, Wi-Fi, RPV, lecteurs partagés.",
        "in_scope_en": "Office network, Wi-Fi, VPN, shared drives.",
        "out_of_scope_fr": "L'Internet à domicile.",
        "out_of_scope_en": "Home Internet service.",
        "alternative_fr": "Pour l'Internet à domicile, communiquez avec votre fournisseur.",
        "alternative_en": "For home Internet, call your provider.",
        "fields": [
            ("lieu", "choice", True, "Où êtes-vous?", "Where are you?", "", "", CHOICES_LOCATION),
            (
                "personnes",
                "number",
                True,
                "Nombre de personnes touchées",
                "People affected",
                "",
                "",
                "",
            ),
        ],
    },
    {
        "code": "logiciels",
        "team": "applications",
        "kind": "service_request",
        "impact": "low",
        "urgency": "low",
        "name_fr": "Installation de logiciels",
        "name_en": "Software installation",
        "description_fr": "Installer ou mettre à jour un logiciel approuvé.",
        "description_en": "Install or update an approved program.",
        "in_scope_fr": "Logiciels du catalogue approuvé et licences déjà achetées.",
        "in_scope_en": "Programs of the approved catalogue and licences already bought.",
        "out_of_scope_fr": "Les logiciels non approuvés par la sécurité.",
        "out_of_scope_en": "Programs not approved by security.",
        "alternative_fr": "Demandez d'abord une évaluation de sécurité.",
        "alternative_en": "Ask for a security review first.",
        "fields": [
            ("logiciel", "text", True, "Logiciel", "Program", "", "", ""),
            ("licences", "number", False, "Nombre de licences", "Number of licences", "", "", ""),
            ("requis_le", "date", False, "Requis pour le", "Needed by", "", "", ""),
            ("soumission", "file", False, "Soumission du fournisseur", "Vendor quote", "", "", ""),
        ],
    },
    {
        "code": "applications-affaires",
        "team": "applications",
        "kind": "incident",
        "impact": "medium",
        "urgency": "medium",
        "name_fr": "Applications d'affaires",
        "name_en": "Business applications",
        "description_fr": "SAP Finances, paie, dossiers patients, gestion de l'entretien.",
        "description_en": "SAP Finance, payroll, patient records, maintenance management.",
        "in_scope_fr": "Erreurs, lenteurs, rapports et droits dans les applications d'affaires.",
        "in_scope_en": "Errors, slowness, reports and rights in the business applications.",
        "out_of_scope_fr": "",
        "out_of_scope_en": "",
        "alternative_fr": "",
        "alternative_en": "",
        "fields": [
            (
                "application",
                "choice",
                True,
                "Application",
                "Application",
                "",
                "",
                CHOICES_APPLICATION,
            ),
            (
                "message_erreur",
                "long_text",
                False,
                "Message d'erreur",
                "Error message",
                "Copiez le message tel quel.",
                "Copy the message as it is.",
                "",
            ),
        ],
    },
    {
        "code": "telephonie",
        "team": "infrastructure",
        "kind": "service_request",
        "impact": "low",
        "urgency": "low",
        "name_fr": "Téléphonie cellulaire",
        "name_en": "Mobile phones",
        "description_fr": "Cellulaires fournis par l'employeur : appareils, forfaits, bris.",
        "description_en": "Employer-issued mobile phones: devices, plans, breakage.",
        "in_scope_fr": "Les cellulaires fournis par l'employeur et leurs forfaits.",
        "in_scope_en": "Employer-issued mobile phones and their plans.",
        "out_of_scope_fr": (
            "La téléphonie cellulaire personnelle n'est pas couverte : appareils personnels, "
            "forfaits personnels, remboursements."
        ),
        "out_of_scope_en": (
            "Personal mobile phones are not covered: personal devices, personal plans, refunds."
        ),
        "alternative_fr": "Adressez-vous au bureau de l'approvisionnement (poste 4410).",
        "alternative_en": "Contact the purchasing office (extension 4410).",
        "fields": [
            ("numero", "text", False, "Numéro de téléphone", "Phone number", "", "", ""),
            (
                "demande",
                "choice",
                True,
                "Type de demande",
                "Type of request",
                "",
                "",
                CHOICES_PHONE,
            ),
        ],
    },
    {
        "code": "telecopieurs",
        "team": "infrastructure",
        "kind": "incident",
        "impact": "low",
        "urgency": "low",
        "name_fr": "Télécopieurs",
        "name_en": "Fax machines",
        "description_fr": "Service retiré : les télécopieurs ont été remplacés par la télécopie par courriel.",
        "description_en": "Retired: fax machines were replaced by fax to email.",
        "in_scope_fr": "",
        "in_scope_en": "",
        "out_of_scope_fr": "",
        "out_of_scope_en": "",
        "alternative_fr": "",
        "alternative_en": "",
        "fields": [],
        "retired": True,
    },
]

# service code, impact, urgency, FR title, FR description, EN title, EN description
TICKET_TEMPLATES = [
    (
        "postes-de-travail",
        None,
        None,
        "Mon portable ne démarre plus",
        "L'écran reste noir depuis ce matin, même branché. La lumière d'alimentation clignote orange.",
        "My laptop won't start",
        "The screen stays black since this morning, even plugged in. The power light blinks orange.",
    ),
    (
        "postes-de-travail",
        None,
        None,
        "Ordinateur très lent depuis la mise à jour",
        "Depuis la mise à jour de mardi, ouvrir Outlook prend plus de cinq minutes.",
        "Computer very slow since the update",
        "Since Tuesday's update, opening Outlook takes more than five minutes.",
    ),
    (
        "postes-de-travail",
        None,
        None,
        "Remplacement de mon portable (garantie échue)",
        "Mon portable a six ans et la batterie ne tient plus qu'une heure.",
        "Laptop replacement (warranty over)",
        "My laptop is six years old and the battery lasts only an hour.",
    ),
    (
        "postes-de-travail",
        None,
        None,
        "Deuxième écran non détecté",
        "Le deuxième écran branché à la station d'accueil n'affiche rien.",
        "Second monitor not detected",
        "The second monitor plugged into the dock shows nothing.",
    ),
    (
        "postes-de-travail",
        None,
        None,
        "Clavier qui répète les touches",
        "Certaines touches se répètent toutes seules, impossible de taper un courriel.",
        "Keyboard repeating keys",
        "Some keys repeat on their own, I cannot type an email.",
    ),
    (
        "postes-de-travail",
        "low",
        "high",
        "Écran bleu au démarrage",
        "Le poste affiche un écran bleu avec le code CRITICAL_PROCESS_DIED.",
        "Blue screen at start-up",
        "The computer shows a blue screen with the code CRITICAL_PROCESS_DIED.",
    ),
    (
        "acces-comptes",
        None,
        "high",
        "Mot de passe expiré, je ne peux plus me connecter",
        "Mon mot de passe a expiré pendant mes vacances et le portail de réinitialisation refuse mon numéro.",
        "Password expired, I cannot log in",
        "My password expired during my holidays and the reset portal refuses my number.",
    ),
    (
        "acces-comptes",
        None,
        None,
        "Accès à SAP pour une nouvelle employée",
        "Julie Paradis commence lundi au service de la paie et a besoin d'un accès à SAP en consultation.",
        "SAP access for a new employee",
        "Julie Paradis starts Monday in payroll and needs read access to SAP.",
    ),
    (
        "acces-comptes",
        None,
        None,
        "Compte verrouillé après trop d'essais",
        "Mon compte est verrouillé depuis ce matin après plusieurs essais.",
        "Account locked after too many attempts",
        "My account has been locked since this morning after several attempts.",
    ),
    (
        "acces-comptes",
        None,
        None,
        "Retirer les accès d'un employé qui quitte",
        "Marc Lefebvre quitte vendredi; merci de retirer ses accès à la fin de la journée.",
        "Remove access for a departing employee",
        "Marc Lefebvre leaves on Friday; please remove his access at the end of the day.",
    ),
    (
        "acces-comptes",
        None,
        None,
        "Accès au lecteur partagé des Finances",
        "J'ai besoin d'écrire dans le dossier Budget 2026 du lecteur partagé.",
        "Access to the Finance shared drive",
        "I need write access to the Budget 2026 folder of the shared drive.",
    ),
    (
        "acces-comptes",
        None,
        None,
        "Authentification à deux facteurs sur un nouveau téléphone",
        "J'ai changé de téléphone et l'application d'authentification ne fonctionne plus.",
        "Two-factor authentication on a new phone",
        "I changed phones and the authenticator app no longer works.",
    ),
    (
        "impression",
        None,
        None,
        "Imprimante du 3e étage en bourrage",
        "L'imprimante IMP-HDV-3-02 indique un bourrage mais il n'y a pas de papier coincé.",
        "3rd floor printer jammed",
        "Printer IMP-HDV-3-02 reports a jam but there is no stuck paper.",
    ),
    (
        "impression",
        None,
        None,
        "Numérisation vers le courriel ne fonctionne plus",
        "Le photocopieur numérise mais je ne reçois jamais le courriel.",
        "Scan to email stopped working",
        "The copier scans but I never receive the email.",
    ),
    (
        "impression",
        None,
        None,
        "Impression en couleur impossible",
        "Tout sort en noir et blanc même quand je choisis la couleur.",
        "Cannot print in colour",
        "Everything comes out black and white even when I pick colour.",
    ),
    (
        "impression",
        "low",
        None,
        "Ajouter l'imprimante de la salle de formation",
        "Je n'arrive pas à ajouter l'imprimante de la salle de formation à mon poste.",
        "Add the training room printer",
        "I cannot add the training room printer to my computer.",
    ),
    (
        "reseau-vpn",
        None,
        None,
        "Le RPV se déconnecte toutes les dix minutes",
        "En télétravail, le RPV se déconnecte sans arrêt et je perds mon travail dans SAP.",
        "VPN drops every ten minutes",
        "Working from home, the VPN keeps dropping and I lose my work in SAP.",
    ),
    (
        "reseau-vpn",
        "high",
        "high",
        "Plus de réseau au garage municipal",
        "Aucun poste du garage n'a accès au réseau depuis 7 h.",
        "No network at the municipal garage",
        "No computer at the garage has network access since 7 a.m.",
    ),
    (
        "reseau-vpn",
        None,
        None,
        "Wi-Fi très lent dans la salle du conseil",
        "Le Wi-Fi de la salle du conseil est presque inutilisable pendant les réunions.",
        "Very slow Wi-Fi in the council room",
        "The Wi-Fi in the council room is almost unusable during meetings.",
    ),
    (
        "reseau-vpn",
        None,
        None,
        "Lecteur réseau P: introuvable",
        "Le lecteur P: n'apparaît plus dans l'explorateur depuis ce matin.",
        "Network drive P: missing",
        "The P: drive no longer shows in the file explorer since this morning.",
    ),
    (
        "reseau-vpn",
        None,
        None,
        "Installer le RPV sur mon nouveau portable",
        "J'ai reçu un nouveau portable et le client RPV n'est pas installé.",
        "Install the VPN on my new laptop",
        "I received a new laptop and the VPN client is not installed.",
    ),
    (
        "logiciels",
        None,
        None,
        "Installer Adobe Acrobat Pro",
        "J'ai besoin d'Acrobat Pro pour signer et modifier des contrats.",
        "Install Adobe Acrobat Pro",
        "I need Acrobat Pro to sign and edit contracts.",
    ),
    (
        "logiciels",
        None,
        None,
        "Mise à jour de Power BI Desktop",
        "Mon Power BI est trop ancien pour ouvrir le nouveau rapport budgétaire.",
        "Power BI Desktop update",
        "My Power BI is too old to open the new budget report.",
    ),
    (
        "logiciels",
        None,
        None,
        "Installer AutoCAD pour un technicien",
        "Un technicien arrive lundi et doit travailler sur les plans du réseau d'aqueduc.",
        "Install AutoCAD for a technician",
        "A technician arrives Monday and must work on the water network drawings.",
    ),
    (
        "logiciels",
        None,
        None,
        "Logiciel de dictée pour les médecins",
        "Deux médecins voudraient un logiciel de dictée médicale.",
        "Dictation software for doctors",
        "Two doctors would like medical dictation software.",
    ),
    (
        "logiciels",
        None,
        None,
        "Teams ne démarre plus",
        "Teams affiche une page blanche puis se ferme.",
        "Teams won't start",
        "Teams shows a blank page and then closes.",
    ),
    (
        "applications-affaires",
        None,
        None,
        "Erreur dans SAP lors de la saisie d'une facture",
        "Le message « Période comptable fermée » apparaît pour une facture de ce mois-ci.",
        "SAP error when entering an invoice",
        "The message “Posting period closed” appears for an invoice of this month.",
    ),
    (
        "applications-affaires",
        "high",
        "medium",
        "La paie ne calcule pas les heures supplémentaires",
        "Les heures supplémentaires de la semaine dernière ne sont pas calculées pour les cols bleus.",
        "Payroll does not compute overtime",
        "Last week's overtime is not computed for blue-collar staff.",
    ),
    (
        "applications-affaires",
        None,
        "high",
        "Dossiers patients très lents",
        "Ouvrir un dossier patient prend une minute; les rendez-vous s'accumulent.",
        "Patient records very slow",
        "Opening a patient record takes a minute; appointments are piling up.",
    ),
    (
        "applications-affaires",
        None,
        None,
        "Rapport mensuel des dépenses vide",
        "Le rapport mensuel des dépenses sort vide depuis le début du mois.",
        "Monthly expense report is empty",
        "The monthly expense report comes out empty since the start of the month.",
    ),
    (
        "applications-affaires",
        None,
        None,
        "Bon de travail impossible à fermer",
        "Dans la gestion de l'entretien, le bouton Fermer est grisé sur les bons de travail.",
        "Cannot close a work order",
        "In maintenance management, the Close button is greyed out on work orders.",
    ),
    (
        "telephonie",
        None,
        None,
        "Cellulaire brisé, écran fissuré",
        "Mon cellulaire de travail est tombé et l'écran est fissuré.",
        "Broken mobile, cracked screen",
        "My work phone fell and the screen is cracked.",
    ),
    (
        "telephonie",
        None,
        None,
        "Nouveau cellulaire pour un superviseur",
        "Un nouveau superviseur de la voirie a besoin d'un cellulaire.",
        "New mobile for a supervisor",
        "A new road maintenance supervisor needs a mobile phone.",
    ),
    (
        "telephonie",
        None,
        None,
        "Forfait de données dépassé",
        "Mon forfait de données est dépassé à cause des mises à jour de cartes.",
        "Data plan exceeded",
        "My data plan is exceeded because of map updates.",
    ),
    (
        "telecopieurs",
        None,
        None,
        "Télécopieur du greffe hors service",
        "Le télécopieur du greffe affiche une erreur de ligne.",
        "Clerk's office fax out of order",
        "The clerk's office fax shows a line error.",
    ),
    (
        None,
        None,
        None,
        "Question sur la politique de mots de passe",
        "Combien de temps un mot de passe reste-t-il valide?",
        "Question about the password policy",
        "How long does a password stay valid?",
    ),
    (
        None,
        None,
        None,
        "Comment partager un calendrier Outlook?",
        "Je voudrais que mon adjointe voie mon calendrier.",
        "How do I share an Outlook calendar?",
        "I would like my assistant to see my calendar.",
    ),
]

# Requests for personal phones: declined, out of scope, with the alternative.
OUT_OF_SCOPE_TEMPLATES = [
    (
        "telephonie",
        "Réparer mon cellulaire personnel",
        "Mon iPhone personnel ne charge plus; pouvez-vous le regarder?",
        "Fix my personal phone",
        "My personal iPhone won't charge; could you have a look?",
    ),
    (
        "telephonie",
        "Remboursement de mon forfait personnel",
        "J'utilise mon cellulaire personnel pour le travail; comment me faire rembourser?",
        "Refund for my personal plan",
        "I use my personal phone for work; how do I get a refund?",
    ),
]

PHONE_CONTACTS = [
    (
        "acces-comptes",
        "Réinitialisation de mot de passe au téléphone",
        "Appel : mot de passe oublié.",
        "Password reset by phone",
        "Call: forgotten password.",
        "Mot de passe réinitialisé pendant l'appel; la personne s'est connectée avec succès.",
        "Password reset during the call; the person logged in successfully.",
    ),
    (
        "impression",
        "Imprimante par défaut à changer",
        "Passage au comptoir : l'impression part vers l'ancienne imprimante.",
        "Default printer to change",
        "Counter visit: printing goes to the old printer.",
        "Imprimante par défaut changée au comptoir.",
        "Default printer changed at the counter.",
    ),
    (
        "postes-de-travail",
        "Chargeur de portable à remplacer",
        "Passage au comptoir : chargeur endommagé.",
        "Laptop charger to replace",
        "Counter visit: damaged charger.",
        "Chargeur remplacé par un neuf du stock.",
        "Charger replaced with a new one from stock.",
    ),
    (
        "reseau-vpn",
        "Connexion au Wi-Fi invité",
        "Appel : un consultant doit se connecter au Wi-Fi invité.",
        "Guest Wi-Fi connection",
        "Call: a consultant must connect to the guest Wi-Fi.",
        "Code du Wi-Fi invité transmis; connexion confirmée.",
        "Guest Wi-Fi code given; connection confirmed.",
    ),
]

AGENT_REPLIES = {
    "fr": [
        "Bonjour, je prends votre demande en charge. Je vous reviens d'ici la fin de la journée.",
        "Merci pour ces détails. J'ai reproduit le problème et je cherche la cause.",
        "J'ai appliqué un correctif. Pouvez-vous vérifier de votre côté?",
        "Je passe à votre poste demain matin vers 9 h, si cela vous convient.",
        "Le fournisseur a confirmé le problème; je vous tiens au courant dès que j'ai une date.",
        "Votre accès est créé; vous le recevrez par courriel séparé.",
    ],
    "en": [
        "Hello, I'm taking charge of your request. I'll get back to you by the end of the day.",
        "Thanks for the details. I reproduced the problem and I'm looking for the cause.",
        "I applied a fix. Could you check on your side?",
        "I'll come by your desk tomorrow morning around 9, if that works for you.",
        "The vendor confirmed the problem; I'll let you know as soon as I have a date.",
        "Your access is ready; you'll get it in a separate email.",
    ],
}
REQUESTER_REPLIES = {
    "fr": [
        "Merci! Voici une capture d'écran du message.",
        "Oui, demain matin me convient.",
        "C'est toujours pareil de mon côté, malheureusement.",
        "Le numéro d'inventaire est VDM-48213.",
        "Mon gestionnaire a approuvé la demande ce matin.",
    ],
    "en": [
        "Thanks! Here is a screenshot of the message.",
        "Yes, tomorrow morning works for me.",
        "It's still the same on my side, unfortunately.",
        "The asset tag is VDM-48213.",
        "My manager approved the request this morning.",
    ],
}
WAIT_REQUESTER_QUESTIONS = {
    "fr": [
        "Pouvez-vous m'envoyer le message d'erreur exact?",
        "Il me faut l'approbation de votre gestionnaire pour continuer.",
        "Quand seriez-vous disponible pour que je prenne le contrôle de votre poste?",
    ],
    "en": [
        "Could you send me the exact error message?",
        "I need your manager's approval to go on.",
        "When would you be available for me to take control of your computer?",
    ],
}
THIRD_PARTY_NOTES = {
    "fr": [
        "Nous attendons la pièce de remplacement du fournisseur (délai annoncé : 5 jours ouvrables).",
        "Billet ouvert chez Bell; nous attendons leur technicien.",
        "En attente du fournisseur du logiciel pour la licence.",
    ],
    "en": [
        "We are waiting for the replacement part from the vendor (5 business days announced).",
        "Ticket opened with Bell; we are waiting for their technician.",
        "Waiting for the software vendor for the licence.",
    ],
}
INTERNAL_NOTES = [
    "Vérifié dans la console : le poste n'a pas reçu la stratégie de groupe.",
    "Même symptôme que la semaine dernière au 3e; probablement le pilote universel.",
    "Checked the logs: the certificate expired on the VPN concentrator.",
    "Le client est VIP : garder le gestionnaire de compte informé.",
    "Licence disponible dans le lot acheté en janvier.",
    "Escalated internally to the network team lead for visibility.",
]
RESOLUTIONS = {
    "fr": [
        "C'est réglé : le correctif est appliqué et vous pouvez travailler normalement.",
        "Le matériel est remplacé. N'hésitez pas à rouvrir la demande si le problème revient.",
        "Votre accès est actif. Bonne journée!",
    ],
    "en": [
        "It's fixed: the correction is applied and you can work normally.",
        "The hardware was replaced. Feel free to reopen the request if it comes back.",
        "Your access is active. Have a good day!",
    ],
}
REOPEN_REPLIES = {
    "fr": ["Le problème est revenu ce matin, même message qu'avant."],
    "en": ["The problem came back this morning, same message as before."],
}
NEXT_STEPS = {
    "fr": [
        "Visite au poste demain matin",
        "Attendre la réponse du fournisseur, relance jeudi",
        "Tester le correctif avec la demandeuse",
        "Commander la pièce de remplacement",
    ],
    "en": [
        "Desk visit tomorrow morning",
        "Wait for the vendor's answer, follow up on Thursday",
        "Test the fix with the requester",
        "Order the replacement part",
    ],
}
HANDOFF_REASONS = [
    "Le problème est côté réseau : l'équipe Infrastructure est mieux placée.",
    "Je pars en formation trois jours; Marc-André connaît bien ce dossier.",
    "This is a business application issue, the applications team owns it.",
    "Client VIP : je transfère à l'équipe Comptes clients qui suit ce compte.",
]
HANDOFF_DECLINES = [
    "Ce n'est pas un problème réseau : le poste fonctionne sur un autre câble.",
    "I'm fully booked this week; please ask the team lead.",
]
DECLINE_REASONS = {
    "fr": [
        (
            "Cette demande ne fait pas partie du catalogue : le logiciel n'est pas approuvé par la sécurité.",
            "Demandez une évaluation de sécurité au moyen du formulaire « Nouveau logiciel ».",
        ),
        (
            "Les accès aux bâtiments ne sont pas gérés par les TI.",
            "Écrivez à la sécurité des immeubles pour une carte d'accès.",
        ),
    ],
    "en": [
        (
            "This request is outside our catalogue: the program is not approved by security.",
            "Ask for a security review through the “New software” form.",
        ),
        (
            "Building access is not managed by IT.",
            "Write to building security for a key card.",
        ),
    ],
}
CANCEL_REASONS = {
    "fr": ["Finalement, le problème s'est réglé tout seul.", "Demande en double, désolé."],
    "en": ["In the end the problem went away by itself.", "Duplicate request, sorry."],
}

# Who to sign in as: (what they show, full name, email domain); the admin is listed first.
DEMO_LOGINS = [
    ("agent, team lead", "Geneviève Lapointe", STAFF_DOMAIN),
    ("agent", "Marc-André Bélanger", STAFF_DOMAIN),
    ("requester", "Mélanie Cloutier", CITY_DOMAIN),
    ("organisation contact", "François Lévesque", CITY_DOMAIN),
    ("requester, English", "Rachel Goldberg", CLINIC_DOMAIN),
]
