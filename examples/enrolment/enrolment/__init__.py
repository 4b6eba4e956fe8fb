"""enrolment: put a shop's customer in a DigitalChalk offering, the way public DigitalChalk clients do."""

from enrolment.client import DigitalChalk, VendorError
from enrolment.enrol import Customer, Enrolment, enrol

__all__ = ["Customer", "DigitalChalk", "Enrolment", "VendorError", "enrol"]
