# paperboy의 한국어 메시지. 키와 변수는 locales/en/paperboy.ftl과 같아야 합니다.

language-name = 한국어

papers-count = 논문 { $count }편

## 요약: 모델이 쓴 항목의 이름표와, 어느 모델이 썼는지 밝히는 꼬리말.
summary-label-new = 새로운 점
summary-label-method = 방법
summary-label-results = 결과
summary-label-note = 참고
summary-footer = 🤖 요약: { $model } (기계 작성)
