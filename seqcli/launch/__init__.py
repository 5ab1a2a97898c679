"""Starting the processes that train: torchrun's ranks, their process group, the allocator."""
