"""Label sequences not aligned to the frames (mapping many_to_many, data.label_type
sequence): recordings or arrays transcribed with CTC."""
