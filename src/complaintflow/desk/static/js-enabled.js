// GOV.UK Frontend's page template runs this inline; the desk's Content-Security-Policy allows no
// inline script, so it is this file, loaded first thing in <body>.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
