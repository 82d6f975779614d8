ALTER TABLE "webhook_deliveries" ADD COLUMN "body_sha256" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_body_key" UNIQUE("body_sha256");