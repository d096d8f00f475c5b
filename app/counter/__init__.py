"""The counter desk (app.counter.desk): the service the counter screens talk to."""
