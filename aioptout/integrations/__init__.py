"""Bridges to other tools (datatrove, Scrapy); each module needs its tool's optional extra."""
