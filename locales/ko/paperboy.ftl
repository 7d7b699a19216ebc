# paperboy의 한국어 메시지. 키와 변수는 locales/en/paperboy.ftl과 같아야 합니다.

language-name = 한국어

papers-count = 논문 { $count }편
