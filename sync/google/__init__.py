"""What the Google backends share: credentials, the retry policy and the endpoint."""
