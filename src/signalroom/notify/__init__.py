"""Notify: render alert notifications and deliver outbox messages to people's channels.

``message`` renders an alert into a short title and body; ``channels`` sends one outbox
message through Apprise or a signed webhook; ``retry`` says when to try again;
``dispatcher`` takes due messages from the outbox, sends them and records the outcome.
This package never decides *who* is notified (escalation does) and never touches the
store directly: the dispatcher works through the small ``Outbox`` protocol.
"""
