"""Link preview cards: the first link of a post, fetched and described (OpenGraph, Twitter
card, oEmbed), one card per URL shared by every post linking to it."""
