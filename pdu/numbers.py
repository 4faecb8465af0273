"""Reading a phone number with libphonenumber's data (the phonenumbers package): its
international form and the region it rings in, or why it is no number, in words a QA engineer
acts on. The SMSC screens destinations this way (smsc.policy.numbers) and the ESME reads its
numbers files this way (esme.numbers_file), so both say the same about the same number."""

import attrs
import phonenumbers
from phonenumbers import NumberParseException, ValidationResult


@attrs.frozen
class Number:
    e164: str  # "+8613800138000"
    region: str  # ISO 3166 code, "CN"; "001" for non-geographic numbers such as +800
    parsed: phonenumbers.PhoneNumber  # for what else the data knows (time zones)


def read(text: str, region: str | None) -> Number | str:
    """text: "+" and digits, or a national number read in `region`. The str is why not."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        return _parse_failure(error, text, region)
    country = phonenumbers.region_code_for_country_code(number.country_code)
    if phonenumbers.is_valid_number(number):
        # Asking which region a number is in validates it again; only codes that several
        # regions share (1, 7, 44...) need it. E.164 needs no formatter: + code and NSN.
        shared = len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code, ())) > 1
        found = (phonenumbers.region_code_for_number(number) or country) if shared else country
        return Number(f"+{number.country_code}{phonenumbers.national_significant_number(number)}", found, number)
    if country == phonenumbers.UNKNOWN_REGION:
        return f"unknown country calling code {number.country_code}"
    return f"not a valid number for {country}: {_invalid_because(number)}"


def _parse_failure(error: NumberParseException, text: str, region: str | None) -> str:
    kind = error.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        if region is not None:
            return f"unknown region {region} for a national number"
        # Calling codes are one to three digits; none of the leading ones is assigned.
        return f"unknown country calling code {text.lstrip('+')[:3]}"
    if kind == NumberParseException.TOO_SHORT_NSN or kind == NumberParseException.TOO_SHORT_AFTER_IDD:
        return f"not a valid number{_for(region)}: too short"
    if kind == NumberParseException.TOO_LONG:
        return f"not a valid number{_for(region)}: too long"
    # NOT_A_NUMBER: with only digits left, that means too few of them (a bare country code).
    return f"not a valid number{_for(region)}: too short"


def _for(region: str | None) -> str:
    return f" for {region}" if region else ""


def _invalid_because(number) -> str:
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.TOO_SHORT:
        return "too short"
    if reason == ValidationResult.TOO_LONG:
        return "too long"
    if reason == ValidationResult.INVALID_LENGTH:
        return "no numbers of that length"
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return "too short; a local number without its area code"
    return "the right length, but in no assigned number range"
