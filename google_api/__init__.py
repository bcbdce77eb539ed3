"""What every Google backend shares, whichever family it belongs to: credentials
(`auth`), the retry policy (`retry`) and the Sheets HTTP client (`http`).

The Sheets source and Drive store (sync/) and the Gmail and XOAUTH2 senders (notifiers/)
import from here; nothing here imports them.
"""
