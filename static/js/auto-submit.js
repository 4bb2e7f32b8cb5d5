// Posts a form marked data-auto-submit as soon as the page loads (the sandbox IdP's answer to the
// ACS); without JavaScript its Continue button does the same.
"use strict";

document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
