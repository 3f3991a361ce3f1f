/// The web layer's own messages in English and Thai.
extension MessageCatalog {
    public static let web = MessageCatalog([
        "product.tagline": [
            .en: "Identity provider",
            .th: "ผู้ให้บริการยืนยันตัวตน",
        ],
        "landing.title": [
            .en: "{company} sign-in service",
            .th: "บริการลงชื่อเข้าใช้ของ {company}",
        ],
        "landing.intro": [
            .en: "This server is Gatehouse, the identity provider for {company}. Applications send you here to sign in with OpenID Connect or SAML; directories read accounts over LDAP and SCIM.",
            .th: "เซิร์ฟเวอร์นี้คือ Gatehouse ผู้ให้บริการยืนยันตัวตนของ {company} แอปพลิเคชันจะส่งคุณมาที่นี่เพื่อลงชื่อเข้าใช้ด้วย OpenID Connect หรือ SAML และระบบไดเรกทอรีอ่านข้อมูลบัญชีผ่าน LDAP และ SCIM",
        ],
        "landing.nothing_to_do": [
            .en: "If no application sent you here, there is nothing to do on this page.",
            .th: "หากไม่มีแอปพลิเคชันใดส่งคุณมาที่นี่ ก็ไม่มีสิ่งใดต้องทำในหน้านี้",
        ],
        "landing.operators": [
            .en: "For operators",
            .th: "สำหรับผู้ดูแลระบบ",
        ],
        "landing.health": [
            .en: "Liveness and readiness checks",
            .th: "การตรวจสอบสถานะการทำงานและความพร้อม",
        ],
        "landing.metrics": [
            .en: "Prometheus metrics",
            .th: "ค่าวัดสำหรับ Prometheus",
        ],
        "landing.signed_in_as": [
            .en: "You are signed in as {name}.",
            .th: "คุณลงชื่อเข้าใช้ในชื่อ {name}",
        ],
        "landing.sign_in": [
            .en: "Sign in",
            .th: "ลงชื่อเข้าใช้",
        ],
        "flow.authentication.title": [
            .en: "Sign in",
            .th: "ลงชื่อเข้าใช้",
        ],
        "flow.invalidation.title": [
            .en: "Sign out",
            .th: "ออกจากระบบ",
        ],
        "flow.uid.label": [
            .en: "Username or email",
            .th: "ชื่อผู้ใช้หรืออีเมล",
        ],
        "flow.password.label": [
            .en: "Password",
            .th: "รหัสผ่าน",
        ],
        "flow.continue": [
            .en: "Continue",
            .th: "ดำเนินการต่อ",
        ],
        "flow.sign_in": [
            .en: "Sign in",
            .th: "ลงชื่อเข้าใช้",
        ],
        "flow.signing_in_as": [
            .en: "Signing in as {user}",
            .th: "กำลังลงชื่อเข้าใช้ในชื่อ {user}",
        ],
        "flow.not_you": [
            .en: "Not you? Start again",
            .th: "ไม่ใช่คุณ? เริ่มใหม่",
        ],
        "flow.start_again": [
            .en: "Start again",
            .th: "เริ่มใหม่",
        ],
        "flow.error.invalid": [
            .en: "Invalid username or password.",
            .th: "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง",
        ],
        "flow.error.throttled": [
            .en: "Too many failed attempts. Try again later.",
            .th: "ลงชื่อเข้าใช้ไม่สำเร็จหลายครั้งเกินไป โปรดลองใหม่ภายหลัง",
        ],
        "flow.error.required": [
            .en: "This field is required.",
            .th: "จำเป็นต้องกรอกช่องนี้",
        ],
        "flow.error.code_invalid": [
            .en: "Invalid code.",
            .th: "รหัสไม่ถูกต้อง",
        ],
        "flow.error.mfa_locked": [
            .en: "Too many wrong codes. Sign in again.",
            .th: "กรอกรหัสผิดหลายครั้งเกินไป โปรดลงชื่อเข้าใช้ใหม่",
        ],
        "flow.error.mfa_not_configured": [
            .en: "No authenticator is set up for this account. Ask your administrator.",
            .th: "บัญชีนี้ยังไม่ได้ตั้งค่าแอปยืนยันตัวตน โปรดติดต่อผู้ดูแลระบบ",
        ],
        "flow.mfa.title": [
            .en: "Two-step verification",
            .th: "การยืนยันตัวตนสองขั้นตอน",
        ],
        "flow.mfa.prompt": [
            .en: "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
            .th: "กรอกรหัส 6 หลักจากแอปยืนยันตัวตน หรือรหัสกู้คืนรหัสใดรหัสหนึ่ง",
        ],
        "flow.mfa.code.label": [
            .en: "Code",
            .th: "รหัส",
        ],
        "flow.mfa.verify": [
            .en: "Verify",
            .th: "ยืนยัน",
        ],
        "flow.totp.title": [
            .en: "Set up an authenticator app",
            .th: "ตั้งค่าแอปยืนยันตัวตน",
        ],
        "flow.totp.scan": [
            .en: "Scan this QR code with your authenticator app, or enter the key by hand, then type the code it shows.",
            .th: "สแกนคิวอาร์โค้ดนี้ด้วยแอปยืนยันตัวตน หรือกรอกคีย์ด้วยตนเอง แล้วพิมพ์รหัสที่แอปแสดง",
        ],
        "flow.totp.key": [
            .en: "Key",
            .th: "คีย์",
        ],
        "flow.webauthn.title": [
            .en: "Set up a security key",
            .th: "ตั้งค่าคีย์ความปลอดภัย",
        ],
        "flow.webauthn.needs_js": [
            .en: "Registering a security key or passkey needs a browser with JavaScript. This page works without it, so it cannot do this step.",
            .th: "การลงทะเบียนคีย์ความปลอดภัยหรือพาสคีย์ต้องใช้เบราว์เซอร์ที่เปิด JavaScript หน้านี้ทำงานโดยไม่ใช้ JavaScript จึงทำขั้นตอนนี้ไม่ได้",
        ],
        "flow.consent.accept": [
            .en: "I agree",
            .th: "ยอมรับ",
        ],
        "flow.consent.decline": [
            .en: "Decline",
            .th: "ไม่ยอมรับ",
        ],
        "flow.consent.declined": [
            .en: "You declined, so the sign-in stopped here.",
            .th: "คุณไม่ยอมรับ การลงชื่อเข้าใช้จึงหยุดที่ขั้นตอนนี้",
        ],
        "flow.error.value_invalid": [
            .en: "This value is not valid.",
            .th: "ค่านี้ไม่ถูกต้อง",
        ],
        "flow.error.too_long": [
            .en: "This value is too long.",
            .th: "ค่านี้ยาวเกินไป",
        ],
        "flow.recovery.title": [
            .en: "Your recovery codes",
            .th: "รหัสกู้คืนของคุณ",
        ],
        "flow.recovery.body": [
            .en: "Each code works once, for when you do not have your phone. Keep them somewhere safe: they are shown only now.",
            .th: "รหัสแต่ละรหัสใช้ได้ครั้งเดียว สำหรับกรณีที่คุณไม่มีโทรศัพท์อยู่กับตัว โปรดเก็บไว้ในที่ปลอดภัย รหัสจะแสดงเพียงครั้งนี้เท่านั้น",
        ],
        "flow.logout.question": [
            .en: "Do you want to sign out?",
            .th: "คุณต้องการออกจากระบบหรือไม่",
        ],
        "flow.logout.button": [
            .en: "Sign out",
            .th: "ออกจากระบบ",
        ],
        "lang.switch": [
            .en: "Language",
            .th: "ภาษา",
        ],
        "nav.home": [
            .en: "Home",
            .th: "หน้าแรก",
        ],
        "error.request_id": [
            .en: "Request ID",
            .th: "รหัสคำขอ",
        ],
        "error.400.title": [
            .en: "Bad request",
            .th: "คำขอไม่ถูกต้อง",
        ],
        "error.400.body": [
            .en: "The request could not be understood.",
            .th: "ไม่สามารถเข้าใจคำขอนี้ได้",
        ],
        "error.401.title": [
            .en: "Sign-in required",
            .th: "ต้องลงชื่อเข้าใช้",
        ],
        "error.401.body": [
            .en: "You need to sign in to see this page.",
            .th: "คุณต้องลงชื่อเข้าใช้เพื่อดูหน้านี้",
        ],
        "error.403.title": [
            .en: "Access denied",
            .th: "ไม่ได้รับอนุญาตให้เข้าถึง",
        ],
        "error.403.body": [
            .en: "You are not allowed to do this.",
            .th: "คุณไม่ได้รับอนุญาตให้ทำรายการนี้",
        ],
        "error.csrf.body": [
            .en: "The form was sent without a valid security token. Reload the page and try again.",
            .th: "แบบฟอร์มถูกส่งโดยไม่มีโทเค็นความปลอดภัยที่ถูกต้อง โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง",
        ],
        "error.404.title": [
            .en: "Page not found",
            .th: "ไม่พบหน้าที่ต้องการ",
        ],
        "error.404.body": [
            .en: "There is nothing at this address.",
            .th: "ไม่มีเนื้อหาที่ที่อยู่นี้",
        ],
        "error.405.title": [
            .en: "Method not allowed",
            .th: "ไม่อนุญาตให้ใช้วิธีการนี้",
        ],
        "error.405.body": [
            .en: "This address does not accept that kind of request.",
            .th: "ที่อยู่นี้ไม่รับคำขอประเภทนี้",
        ],
        "error.413.title": [
            .en: "Request too large",
            .th: "คำขอมีขนาดใหญ่เกินไป",
        ],
        "error.413.body": [
            .en: "The request is larger than this server accepts.",
            .th: "คำขอมีขนาดใหญ่เกินกว่าที่เซิร์ฟเวอร์นี้รับได้",
        ],
        "error.415.title": [
            .en: "Unsupported content type",
            .th: "ไม่รองรับประเภทเนื้อหานี้",
        ],
        "error.415.body": [
            .en: "The request body is in a format this address does not accept.",
            .th: "เนื้อหาของคำขออยู่ในรูปแบบที่ที่อยู่นี้ไม่รองรับ",
        ],
        "error.429.title": [
            .en: "Too many requests",
            .th: "มีคำขอมากเกินไป",
        ],
        "error.429.body": [
            .en: "Please wait a moment and try again.",
            .th: "โปรดรอสักครู่แล้วลองอีกครั้ง",
        ],
        "oauth.error.title": [
            .en: "Sign-in request refused",
            .th: "คำขอลงชื่อเข้าใช้ถูกปฏิเสธ",
        ],
        "oauth.error.body": [
            .en: "The application sent a request Gatehouse cannot accept. Tell the application's administrator:",
            .th: "แอปพลิเคชันส่งคำขอที่ Gatehouse ไม่สามารถยอมรับได้ โปรดแจ้งผู้ดูแลแอปพลิเคชัน:",
        ],
        "oauth.denied.title": [
            .en: "Access denied",
            .th: "ไม่อนุญาตให้เข้าถึง",
        ],
        "oauth.denied.body": [
            .en: "Your account is not allowed to use {app}. Ask your administrator for access.",
            .th: "บัญชีของคุณไม่ได้รับอนุญาตให้ใช้ {app} โปรดติดต่อผู้ดูแลระบบเพื่อขอสิทธิ์",
        ],
        "oauth.consent.title": [
            .en: "Allow {app}?",
            .th: "อนุญาตให้ {app} หรือไม่?",
        ],
        "oauth.consent.body": [
            .en: "{app} asks to sign you in and to see:",
            .th: "{app} ขอลงชื่อเข้าใช้ให้คุณและขอดูข้อมูลต่อไปนี้:",
        ],
        "oauth.consent.allow": [
            .en: "Allow",
            .th: "อนุญาต",
        ],
        "oauth.consent.deny": [
            .en: "Deny",
            .th: "ปฏิเสธ",
        ],
        "oauth.scope.openid": [
            .en: "Your identity (an identifier for your account)",
            .th: "ตัวตนของคุณ (รหัสประจำบัญชี)",
        ],
        "oauth.scope.email": [
            .en: "Your e-mail address",
            .th: "ที่อยู่อีเมลของคุณ",
        ],
        "oauth.scope.profile": [
            .en: "Your name, username and groups",
            .th: "ชื่อ ชื่อผู้ใช้ และกลุ่มของคุณ",
        ],
        "oauth.scope.offline_access": [
            .en: "Access while you are away (stay signed in)",
            .th: "เข้าถึงได้ขณะที่คุณไม่ได้ใช้งาน (คงการลงชื่อเข้าใช้)",
        ],
        "oauth.continue": [
            .en: "Continue",
            .th: "ดำเนินการต่อ",
        ],
        "oauth.logout.title": [
            .en: "Sign out?",
            .th: "ออกจากระบบหรือไม่?",
        ],
        "oauth.logout.body": [
            .en: "{app} asks to sign you out of Gatehouse.",
            .th: "{app} ขอให้คุณออกจากระบบ Gatehouse",
        ],
        "oauth.logout.confirm": [
            .en: "Sign out",
            .th: "ออกจากระบบ",
        ],
        "oauth.logout.done": [
            .en: "You are signed out.",
            .th: "คุณออกจากระบบแล้ว",
        ],
        "error.500.title": [
            .en: "Something went wrong",
            .th: "เกิดข้อผิดพลาดบางอย่าง",
        ],
        "error.500.body": [
            .en: "The server could not complete this request. If it keeps happening, tell your administrator and quote the request ID.",
            .th: "เซิร์ฟเวอร์ไม่สามารถดำเนินการคำขอนี้ได้ หากเกิดขึ้นซ้ำ โปรดแจ้งผู้ดูแลระบบพร้อมรหัสคำขอ",
        ],
        "error.generic.title": [
            .en: "Request failed",
            .th: "คำขอไม่สำเร็จ",
        ],
        "error.generic.body": [
            .en: "The request could not be completed.",
            .th: "ไม่สามารถดำเนินการคำขอนี้ได้",
        ],
    ])
}
