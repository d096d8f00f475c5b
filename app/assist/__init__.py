"""帮办代办: an applicant acting through an agent (代办人), the 帮办 ledger, the 授权委托书 and the
代办 slips, and who the kiosk sends to the 帮办代办 window."""
