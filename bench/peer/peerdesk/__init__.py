"""A minimal Django project mounting django-helpdesk, the peer of the side-by-side bench."""
