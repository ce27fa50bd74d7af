"""The release: a versioned Hugging Face dataset folder built from the pipeline's tables, and its publication.

- `build`: the `release` stage body (split by held-out identities, stream configs into shards, card, swap)
- `split`, `assemble`, `layout`, `inputs`: how the folder is made; `card`, `croissant`, `storyboard`: its docs
- `publish`: push a finished folder to the Hub in one commit and tag it
- `vistorybench`: export stories in ViStoryBench's layout
- `commands`: the `publish` and `export` CLI commands
"""
