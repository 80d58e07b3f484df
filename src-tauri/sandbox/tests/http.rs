//! The sandbox over real loopback HTTP.

#[tokio::test]
async fn serves_its_index_page_on_loopback() {
    let sandbox = zoom_sandbox::start(0).await.expect("sandbox starts");
    assert!(sandbox.addr().ip().is_loopback());
    let res = reqwest::get(format!("{}/", sandbox.base_url())).await.expect("GET /");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Zoom sandbox"));
}
