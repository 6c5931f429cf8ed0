// Package models holds msgmon's monetization models, one file each: the
// rules and prices a platform applies to businesses. Each registers a
// sim.Factory in init, so adding a model is a new file here and its test.
// ODD.md beside this file documents the whole simulation model.
package models
