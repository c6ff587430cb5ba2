// Start GOV.UK Frontend's components (character counts, the error summary's focus). Every page
// works without it.
import { initAll } from './govuk-frontend.min.js'

initAll()
