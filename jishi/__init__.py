"""jishi (及时): a county's ledger of what its people ask for."""
