"""The email channel. ``domain`` holds the pure layer: parsing, quote stripping, noise, HTML."""
