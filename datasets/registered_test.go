package datasets_test

// The real monetization models, so the embedded scenarios load in tests.
import _ "github.com/msgmon/msgmon/models"
