"""Every write to the domain goes through a function in this package.

Functions are named <entity>_<action>, keyword-only, and run in one transaction. They raise
casework.errors.CaseworkError (or a subclass) with a message in the user's language.
"""
