# ruff: noqa: E501 (long French and English sentences read better unbroken)
"""The demo's voice-of-the-client texts (FR and EN): survey comments, follow-ups, commitments.

Plain data only; `allie.demo.voice` answers and settles through the voice services. Comments
are written to land in the built-in themes (speed, communication, competence, courtesy,
outcome: `allie.voice.domain.themes`); the low ones also read negative.
"""

from __future__ import annotations

# Satisfaction (CSAT 1 to 5): a deck of twenty answers, shuffled and dealt again when empty,
# so a small demo still has mostly 4 and 5 and a few low answers (10 %, plus the few the
# demo sets low on purpose to show follow-ups).
CSAT_DECK = [5] * 10 + [4] * 7 + [3] + [2] + [1]
# Share of surveys answered (the response rate stays below 100 %).
ANSWER_RATE = 0.68

# Comments by score band and language, dealt without repeats until each list is used up.
# Low ones always have a comment.
COMMENTS = {
    "high": {
        "fr": [
            "Rapide et très aimable, merci!",
            "Le technicien a pris le temps de m'expliquer. Très courtois.",
            "Réglé en moins d'une heure, impeccable.",
            "Merci pour le suivi régulier par courriel.",
            "Explication claire et sans jargon, j'ai compris ce qui s'était passé.",
            "Très compétent, il savait exactement quoi faire.",
        ],
        "en": [
            "Quick and friendly, thank you!",
            "The technician was patient and explained everything clearly.",
            "Fixed within the hour, great job.",
            "Thanks for the regular updates by email.",
            "Very helpful and knew exactly what to do.",
        ],
    },
    "middle": {
        "fr": [
            "Le problème est réglé, mais le délai a été un peu long.",
            "Correct, mais j'aurais aimé avoir des nouvelles plus tôt.",
        ],
        "en": [
            "It works now, but it took a few days.",
            "Fine in the end, although the first answer was unclear.",
        ],
    },
    "low": {
        "fr": [
            "Trois semaines d'attente, c'est inacceptable. Personne ne m'a donné de nouvelles.",
            "Très déçue : le problème n'est toujours pas réglé et on a fermé ma demande.",
            "Réponse pleine de jargon, je n'ai rien compris. Frustrant.",
            "J'ai dû rappeler trois fois avant d'avoir une réponse. Perte de temps.",
            "Le technicien était impoli et pressé. Je suis mécontente.",
            "Ma demande est restée une semaine sans suivi, puis on l'a réglée sans m'expliquer quoi que ce soit.",
        ],
        "en": [
            "Very disappointed: the issue is still not fixed and my request was closed.",
            "I waited two weeks with no answer. Unacceptable.",
            "The agent was rude on the phone and did not seem to understand the problem.",
            "Took far too long, and nobody kept me posted. Frustrating.",
        ],
    },
}

# Closing a satisfaction follow-up: (call made, what was learned, action taken), by language.
FOLLOW_UP_CLOSINGS = {
    "fr": [
        (
            "Appel à la demandeuse le lendemain; elle a confirmé que le poste fonctionne maintenant.",
            "Le délai venait d'une pièce en rupture de stock, et personne ne l'avait prévenue.",
            "Quand une pièce est commandée, l'agent donne la date prévue au client et fixe une relance.",
        ),
        (
            "Appel de 15 minutes avec le demandeur, puis visite à son poste.",
            "Le correctif appliqué ne réglait qu'une partie du problème; la demande avait été résolue trop vite.",
            "Demande rouverte et réglée; on vérifie maintenant avec le client avant de résoudre.",
        ),
        (
            "Appel au demandeur pour s'excuser et réexpliquer la solution en mots simples.",
            "La réponse écrite utilisait des termes techniques que le client ne connaissait pas.",
            "Deux termes ajoutés au glossaire de l'organisation, avec leur équivalent en mots simples.",
        ),
    ],
    "en": [
        (
            "Called the requester the next morning; the workstation works now.",
            "The delay came from a part on back order, and nobody had told her.",
            "When a part is ordered, the agent now gives the expected date and sets a follow-up.",
        ),
        (
            "Called the requester and went over the fix together.",
            "The fix only solved part of the problem; the request was resolved too early.",
            "Request reopened and fixed; we now check with the client before resolving.",
        ),
    ],
}

# Relationship (NPS) answers: one score per contact (twelve), dealt in an order the seeded
# random shuffles (None: not answered). Two detractors, some passives, mostly promoters.
NPS_SCORES = [10, 9, 9, 10, 8, 7, 8, 4, 6, None, None, None]
NPS_COMMENTS = {
    "promoter": {
        "fr": [
            "Une équipe fiable et toujours courtoise. On sait à qui parler.",
            "Le suivi des demandes s'est beaucoup amélioré cette année.",
        ],
        "en": [
            "Reliable, friendly team; we always know who is handling our requests.",
        ],
    },
    "passive": {
        "fr": ["Bon service, mais les délais varient beaucoup d'une demande à l'autre."],
        "en": ["Good service overall, though response times vary a lot."],
    },
    "detractor": {
        "fr": [
            "Trop d'attente pour les demandes simples et peu de nouvelles en cours de route. Décevant.",
        ],
        "en": [
            "Our clinics lost a morning to the same network problem twice; the explanations we got were unclear.",
        ],
    },
}
NPS_FOLLOW_UP_CLOSING = {
    "fr": (
        "Rencontre de 30 minutes avec la personne-ressource et son gestionnaire.",
        "Les demandes simples attendaient derrière les projets; l'organisation ne voyait pas où elles en étaient.",
        "Un agent désigné pour les demandes simples, et un point mensuel avec la personne-ressource.",
    ),
    "en": (
        "Video call with the clinic's contact and its director.",
        "The two outages had the same cause, and nobody had explained it to the clinics.",
        "Network switch replaced at both sites, and a plain-language incident summary after each outage.",
    ),
}

# Commitments: what is promised, by language.
COMMITMENTS = {
    "fr": [
        "Vous rappeler avec la date de livraison du fournisseur",
        "Passer à votre poste pour installer la mise à jour",
        "Vous envoyer la procédure de connexion à distance",
        "Remplacer l'écran défectueux",
        "Vous confirmer par courriel que l'accès est actif",
    ],
    "en": [
        "Call you back with the vendor's delivery date",
        "Come by your desk to install the update",
        "Send you the remote access instructions",
        "Confirm by email that your access is active",
    ],
}
COMMITMENT_NOTES = {
    "kept": {
        "fr": ["Fait, la demandeuse a confirmé.", "Procédure envoyée et reçue."],
        "en": ["Done, confirmed with the requester.", "Instructions sent and received."],
    },
    "renegotiated": {
        "fr": ["Le fournisseur a repoussé la livraison; nouvelle date donnée au client."],
        "en": ["The vendor pushed the delivery back; new date given to the client."],
    },
    "broken": {
        "fr": ["Absent pour maladie; le rappel n'a pas été fait à temps."],
        "en": ["Out sick; the call back was not made in time."],
    },
}
