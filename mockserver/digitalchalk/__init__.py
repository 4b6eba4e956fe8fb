"""The DigitalChalk LMS API: `/dc/api/v5/registrations`."""
