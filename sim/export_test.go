package sim

// BlockFollowerBytes lets the tests run the tier quotas with and without
// the table of followers by block and business.
var BlockFollowerBytes = &blockFollowerBytes
