import {
  ingressOfTargetGroupResource,
  isTargetGroupOfIngress,
} from './annotations';

describe('target groups of an Ingress (tag ingress.k8s.aws/resource)', () => {
  it('finds the Ingress where the Ingress and Service names agree', () => {
    expect(ingressOfTargetGroupResource('shop/web-shop-web-shop:80')).toBe(
      'shop/web-shop',
    );
    expect(ingressOfTargetGroupResource('cart/cart-cart:http')).toBe(
      'cart/cart',
    );
  });

  it('keeps Ingress and Service together when the split is ambiguous', () => {
    expect(ingressOfTargetGroupResource('shop/front-api-v2:8080')).toBe(
      'shop/front-api-v2',
    );
  });

  it('ignores tags of other resources', () => {
    expect(ingressOfTargetGroupResource('LoadBalancer')).toBeUndefined();
  });

  it("tells an Ingress's own target groups from a longer namesake's", () => {
    expect(isTargetGroupOfIngress('shop/web-web:80', 'shop/web')).toBe(true);
    expect(isTargetGroupOfIngress('shop/web-web:80', 'shop/we')).toBe(false);
    expect(isTargetGroupOfIngress('shop/web:80', 'shop/web')).toBe(false);
  });
});
