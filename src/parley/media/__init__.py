"""Media attachments: uploads, image and video processing, storage, clean-up."""
