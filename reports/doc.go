// Package reports turns stored results into what strategists read: the
// comparison table of msgmon compare, charts and reports. Every number comes
// from SQL over the results database.
package reports
