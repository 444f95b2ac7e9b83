"""What every stage shares: the indicator dictionary, settings, problems (the messages a load
returns), unit names, cell values, number formatting and the string catalogue. Imports nothing
else from etl."""
