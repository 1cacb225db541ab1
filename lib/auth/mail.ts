import nodemailer from 'nodemailer';

/** Invitation mail through PLUGBOARD_SMTP_URL (nodemailer). The link is the secret: it is never logged. */
export interface InvitationMail {
  to: string;
  tenantName: string;
  role: string;
  inviteUrl: string;
  invitedBy: string | null;
  expiresAt: Date;
}

export async function sendInvitationMail(smtpUrl: string, from: string, mail: InvitationMail): Promise<void> {
  const transport = nodemailer.createTransport(smtpUrl);
  try {
    const by = mail.invitedBy ? `${mail.invitedBy} invited you` : 'You are invited';
    await transport.sendMail({
      from,
      to: mail.to,
      subject: `Join ${mail.tenantName} on Plugboard`,
      text: `${by} to ${mail.tenantName} on Plugboard as ${mail.role}.\n\nAccept: ${mail.inviteUrl}\n\nThe link works once and expires on ${mail.expiresAt.toISOString()}.\n`,
    });
  } finally {
    transport.close();
  }
}
